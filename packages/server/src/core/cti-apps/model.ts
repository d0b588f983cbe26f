/** A CSTA application account of a tenant: a CTI application with tenant-wide call control. */
export interface CtiApp {
  id: string;
  tenantId: string;
  /** Letters, digits, `.`, `_`, `-`; the application signs in as `name@domain`. */
  name: string;
  createdAt: number;
}

/** What names an application account: lower-case letters, digits, `.`, `_` and `-`, at most 64. */
export const CTI_APP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
