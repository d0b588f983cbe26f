// A small CalDAV client (RFC 4791, RFC 6578, CalendarServer ctag) for polling one calendar
// collection cheaply: PROPFIND of the sync-token/ctag first (one small request when nothing
// changed), then sync-collection for the changed hrefs, or calendar-query with a time range for a
// full listing, and calendar-multiget for just the objects whose ETag changed.
import { XMLParser } from 'fast-xml-parser';
import { basicAuth, HttpFetchError, type HttpLimits, httpRequest, statusError } from '../../lib/http-client.js';
import type { CalendarResource } from './repository.js';

export interface CalDavAccount {
  url: string;
  username: string;
  password: string;
}

export interface CalDavPrevious {
  syncToken: string | null;
  ctag: string | null;
  /** href → ETag of what is stored. */
  etags: Map<string, string | null>;
}

/** What changed since `prev`, as a delta against the stored objects. */
export type CalDavSync =
  | { modified: false; syncToken: string | null; ctag: string | null; stats: CalDavStats }
  | {
      modified: true;
      upserts: CalendarResource[];
      removed: string[];
      syncToken: string | null;
      ctag: string | null;
      stats: CalDavStats;
    };

export interface CalDavStats {
  requests: number;
  /** Calendar objects whose data was downloaded. */
  downloaded: number;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['response', 'propstat', 'href'].includes(name),
});

interface DavResponse {
  href: string;
  status?: string;
  props: Record<string, unknown>;
  propStatus?: string;
}

const text = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && '#text' in (v as object)) return String((v as { '#text': unknown })['#text']);
  return null;
};

function parseMultistatus(body: string): { responses: DavResponse[]; syncToken: string | null } {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(body) as Record<string, unknown>;
  } catch {
    // The parser's message would quote the answer.
    throw new HttpFetchError('CalDAV server sent malformed XML');
  }
  const ms = doc.multistatus as Record<string, unknown> | undefined;
  if (!ms) throw new HttpFetchError('CalDAV server did not answer with a multistatus');
  const responses = ((ms.response as Record<string, unknown>[] | undefined) ?? []).map((r) => {
    const props: Record<string, unknown> = {};
    let propStatus: string | undefined;
    for (const ps of (r.propstat as Record<string, unknown>[] | undefined) ?? []) {
      const st = text(ps.status) ?? '';
      if (/\s2\d\d\s/.test(`${st} `)) Object.assign(props, ps.prop as object);
      propStatus ??= st;
    }
    const status = text(r.status) ?? undefined;
    return {
      href: decodeURIComponent(text((r.href as unknown[])[0]) ?? ''),
      props,
      ...(status !== undefined && { status }),
      ...(propStatus !== undefined && { propStatus }),
    };
  });
  return { responses, syncToken: text(ms['sync-token']) };
}

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const utc = (ms: number) => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

export async function syncCalDav(
  account: CalDavAccount,
  prev: CalDavPrevious,
  window: { from: number; to: number },
  limits: HttpLimits,
): Promise<CalDavSync> {
  const stats: CalDavStats = { requests: 0, downloaded: 0 };
  const collection = account.url.endsWith('/') ? account.url : `${account.url}/`;
  const collectionPath = decodeURIComponent(new URL(collection).pathname);
  const dav = async (method: string, depth: string | null, body: string, ok: number[] = [207]) => {
    stats.requests++;
    const headers: Record<string, string> = {
      authorization: basicAuth(account.username, account.password),
      'content-type': 'application/xml; charset=utf-8',
    };
    if (depth !== null) headers.depth = depth;
    const res = await httpRequest(collection, { method, headers, body }, limits);
    if (!ok.includes(res.status)) throw statusError(res.status, `CalDAV ${method}`);
    return res;
  };

  // 1. One cheap request: has anything changed?
  const head = parseMultistatus(
    (
      await dav(
        'PROPFIND',
        '0',
        `<?xml version="1.0" encoding="utf-8"?><d:propfind ${NS}><d:prop><d:resourcetype/><d:sync-token/><cs:getctag/></d:prop></d:propfind>`,
      )
    ).body,
  );
  const self = head.responses[0];
  if (!self) throw new HttpFetchError('CalDAV PROPFIND returned no properties');
  const rt = self.props.resourcetype;
  if (!rt || typeof rt !== 'object' || !('calendar' in rt)) {
    throw new HttpFetchError(`${account.url} is not a CalDAV calendar collection`);
  }
  const syncToken = text(self.props['sync-token']);
  const ctag = text(self.props.getctag);
  if ((syncToken && syncToken === prev.syncToken) || (!syncToken && ctag && ctag === prev.ctag)) {
    return { modified: false, syncToken, ctag, stats };
  }

  // 2. Which objects changed? A delta through sync-collection when we hold a token, else a full listing.
  let listed: { href: string; etag: string | null }[] | undefined;
  let removed: string[] = [];
  let newToken = syncToken;
  if (prev.syncToken && syncToken) {
    const res = await dav(
      'REPORT',
      null,
      `<?xml version="1.0" encoding="utf-8"?><d:sync-collection ${NS}><d:sync-token>${esc(prev.syncToken)}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
      [207, 403, 409],
    );
    if (res.status === 207) {
      const ms = parseMultistatus(res.body);
      const members = ms.responses.filter((r) => r.href !== collectionPath && !r.href.endsWith('/'));
      removed = members.filter((r) => r.status && /\s404\s/.test(`${r.status} `)).map((r) => r.href);
      listed = members
        .filter((r) => !removed.includes(r.href))
        .map((r) => ({ href: r.href, etag: text(r.props.getetag) }));
      newToken = ms.syncToken ?? syncToken;
    }
    // 403/409: the token is no longer valid (RFC 6578 §3.2) → full listing below.
  }
  if (!listed) {
    const res = await dav(
      'REPORT',
      '1',
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${utc(window.from)}" end="${utc(window.to)}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    );
    listed = parseMultistatus(res.body)
      .responses.filter((r) => r.href !== collectionPath && !r.href.endsWith('/'))
      .map((r) => ({ href: r.href, etag: text(r.props.getetag) }));
    const present = new Set(listed.map((l) => l.href));
    removed = [...prev.etags.keys()].filter((h) => !present.has(h));
  }

  // 3. Download only what is new or has a new ETag.
  const wanted = listed.filter((l) => !l.etag || prev.etags.get(l.href) !== l.etag).map((l) => l.href);
  const fetched: CalendarResource[] = [];
  for (let i = 0; i < wanted.length; i += 100) {
    const hrefs = wanted
      .slice(i, i + 100)
      .map((h) => `<d:href>${esc(encodeURI(h))}</d:href>`)
      .join('');
    const res = await dav(
      'REPORT',
      '1',
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget ${NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs}</c:calendar-multiget>`,
    );
    for (const r of parseMultistatus(res.body).responses) {
      const data = text(r.props['calendar-data']);
      if (data === null) continue;
      stats.downloaded++;
      fetched.push({ href: r.href, etag: text(r.props.getetag), data });
    }
  }
  return { modified: true, upserts: fetched, removed, syncToken: newToken, ctag, stats };
}
