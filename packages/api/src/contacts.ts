import { z } from 'zod';
import { Address, Id } from './schemas.js';

/**
 * The name to show for a user: the display name, followed by the address where another user of
 * the tenant has the same name (compared without case and accents), so nobody can pass for
 * someone else by taking their name.
 */
export const nameLabel = (displayName: string, address: string, shared: boolean) =>
  shared ? `${displayName} (${address})` : displayName;

export const NameLabel = z
  .string()
  .describe(
    'The name to show: the display name, with the address added when another user of the tenant has the same name',
  );

/**
 * A colleague: an enabled user of the caller's tenant, as every user of the tenant may see them.
 * The e-mail is included because the MetaDirectory's `users` source already shows it to everyone
 * in the tenant (`GET /api/v1/directory/search`); role, state and tenant stay with the admin view.
 */
export const Colleague = z
  .object({
    id: Id,
    address: z.string().describe('local@domain'),
    displayName: z.string(),
    label: NameLabel,
    email: z.string().nullable(),
    numbers: z.array(z.string()).describe('Work numbers as entered'),
  })
  .meta({ id: 'Colleague' });
export type Colleague = z.infer<typeof Colleague>;

/** A position in the colleague list; opaque to clients. */
const ColleagueCursor = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from an earlier answer');

export const ColleagueQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe(
      'Each word a prefix of a word of the name (case and accents ignored), or a prefix of the address; empty: everyone',
    ),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: ColleagueCursor.optional().describe('The `cursor` of the previous page'),
});

export const ColleagueList = z.object({
  users: z.array(Colleague).describe('By display name (case and accents ignored)'),
  cursor: ColleagueCursor.nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** How many favourites a user may keep. */
export const FAVOURITES_MAX = 200;

export const FavouriteList = z.object({
  favourites: z.array(Colleague).describe('In the order the user keeps them'),
});

export const SetFavouritesRequest = z.strictObject({
  favourites: z
    .array(Address)
    .max(FAVOURITES_MAX)
    .describe('Addresses of colleagues in the wanted order; repeated ones count once'),
});

/**
 * The words of a name or a query as the colleague search compares them (`users.list` with `q`):
 * lower case, accents removed (Müller → muller, Élodie → elodie), split at everything but letters
 * and digits. The server stores names this way (`users.name_key`); clients filter lists they hold
 * by the same rule (`matchesColleague`).
 */
export function nameWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** The search rule of `users.list`: every word of the query starts a word of the name, or the address starts with the query. */
export function matchesColleague(c: { name: string; address: string }, q: string): boolean {
  const query = q.trim().toLowerCase();
  if (query === '') return true;
  if (c.address.startsWith(query)) return true;
  const words = nameWords(query);
  if (words.length === 0) return false;
  const name = nameWords(c.name);
  return words.every((w) => name.some((n) => n.startsWith(w)));
}
