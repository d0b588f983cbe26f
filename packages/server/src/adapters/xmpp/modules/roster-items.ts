// A user's XMPP roster as the core knows it: their colleagues as shared items (read-only, in a
// group named after the tenant, each team they share and "Favourites"), then their personal
// contacts (`core/roster`). Shared items win over personal ones of the same JID.
import { createHash } from 'node:crypto';
import { nameLabel } from '@parley/api';
import type { Services } from '../../../compose.js';
import type { Colleague } from '../../../core/contacts/model.js';
import type { RosterItem } from '../../../core/roster/model.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { type XmlElement, x } from '../xml/element.js';

export const ROSTER_NS = 'jabber:iq:roster';

/** Most colleagues a shared roster lists (a roster is no company directory). */
export const SHARED_MAX = 2000;
const PAGE = 500;

/** The group of a user's favourites, in the session's language. */
const FAVOURITES: Record<string, string> = { en: 'Favourites', de: 'Favoriten' };
export const favouritesGroup = (lang: string) => FAVOURITES[lang.split('-')[0] ?? ''] ?? (FAVOURITES.en as string);

export interface RosterEntry {
  jid: string;
  name: string | null;
  groups: string[];
  subscription: RosterItem['subscription'];
  pendingOut: boolean;
  /** A colleague, from the core's relation: not changed or removed by the client. */
  shared: boolean;
}

/** The enabled colleagues of the user's tenant (not the user), up to SHARED_MAX. */
async function colleagues(core: Services, user: User): Promise<Colleague[]> {
  const out: Colleague[] = [];
  let cursor: string | undefined;
  do {
    const page = await core.contacts.colleagues(user.tenantId, { limit: PAGE, cursor });
    out.push(...page.users.filter((c) => c.id !== user.id));
    cursor = page.cursor ?? undefined;
  } while (cursor && out.length < SHARED_MAX);
  return out.slice(0, SHARED_MAX);
}

/** The whole roster of `user`, shared items first (by name), then personal ones (by JID). */
export async function rosterOf(core: Services, user: User, lang: string): Promise<RosterEntry[]> {
  const [tenant, list, favourites, teams, personal] = await Promise.all([
    core.tenants.get(user.tenantId),
    colleagues(core, user),
    core.contacts.favourites(user.tenantId, user.id),
    core.presence.watchers.listTeams(user.tenantId),
    core.roster.items(user.tenantId, user.id),
  ]);
  const favourite = new Set(favourites.map((f) => f.id));
  const shared: RosterEntry[] = list.map((c) => ({
    jid: addressOf(c),
    name: nameLabel(c.displayName, addressOf(c), c.sharedName),
    groups: [
      tenant.name,
      ...teams.filter((t) => t.members.includes(c.id) && t.members.includes(user.id)).map((t) => t.name),
      ...(favourite.has(c.id) ? [favouritesGroup(lang)] : []),
    ],
    subscription: 'both',
    pendingOut: false,
    shared: true,
  }));
  const sharedJids = new Set(shared.map((s) => s.jid));
  const own = personal
    .filter((p) => !sharedJids.has(p.jid))
    .map(
      (p): RosterEntry => ({
        jid: p.jid,
        name: p.name,
        groups: p.groups,
        subscription: p.subscription,
        pendingOut: p.pendingOut,
        shared: false,
      }),
    );
  return [...shared, ...own];
}

/** `<item/>` of RFC 6121 §2.1.2 (`remove`: the removal push of §2.5). */
export function itemElement(
  e: Pick<RosterEntry, 'jid' | 'name' | 'groups' | 'subscription' | 'pendingOut'>,
): XmlElement {
  return x(
    'item',
    {
      jid: e.jid,
      name: e.name ?? undefined,
      subscription: e.subscription,
      ask: e.pendingOut ? 'subscribe' : undefined,
    },
    e.groups.map((g) => x('group', {}, g)),
  );
}

export const removedItem = (jid: string): XmlElement => x('item', { jid, subscription: 'remove' });

/**
 * A roster's version (RFC 6121 §2.6): a digest of its items as the client sees them, so an
 * unchanged roster has the same version on every node and after restarts.
 */
export function versionOf(items: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const jid of [...items.keys()].sort()) h.update(`${items.get(jid)}\n`);
  return h.digest('base64url').slice(0, 22);
}

/** The rendered items by JID (what `versionOf` digests and pushes are diffed against). */
export const rendered = (entries: readonly RosterEntry[]): Map<string, string> =>
  new Map(entries.map((e) => [e.jid, itemElement(e).toString()]));
