import type { NumberingPlan } from '../../lib/phone-number.js';

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

/** A tenant's numbering plan: country and area code from the tenant, the rest stored with it (defaults by country). */
export function planOf(t: {
  country: string | null;
  areaCode: string | null;
  numbering: Partial<Omit<NumberingPlan, 'country' | 'areaCode'>> | null;
}): NumberingPlan {
  const country = t.country ?? 'DE';
  const nanp = ['US', 'CA'].includes(country);
  return {
    country,
    areaCode: t.areaCode,
    // libphonenumber strips NANP's national prefix 1 by itself.
    trunkPrefix: t.numbering?.trunkPrefix ?? (nanp ? '' : '0'),
    exitPrefix: t.numbering?.exitPrefix ?? (nanp ? '011' : '00'),
    pbxBase: t.numbering?.pbxBase ?? null,
    extensionLength: t.numbering?.extensionLength ?? null,
  };
}
