/** A tenant: one hosted company with its domains and numbering plan. */
export interface Tenant {
  id: string;
  name: string;
  /** Primary domain first. */
  domains: string[];
  country: string | null;
  areaCode: string | null;
  /** The rest of the numbering plan (defaults follow from the country). */
  numbering: TenantNumbering | null;
  createdAt: number;
}

/** How the tenant's phone numbers are written beyond country and area code. */
export interface TenantNumbering {
  trunkPrefix?: string;
  exitPrefix?: string;
  /** The PBX's base number (E.164) an internal extension is appended to. */
  pbxBase?: string | null;
  /** Digits of internal extensions. */
  extensionLength?: { min: number; max: number } | null;
}
