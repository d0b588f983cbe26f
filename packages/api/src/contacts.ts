import { z } from 'zod';
import { Address, Id } from './schemas.js';

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
