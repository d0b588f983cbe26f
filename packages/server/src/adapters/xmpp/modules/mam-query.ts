// XEP-0313 Message Archive Management, what the user's archive (mam.ts) and a room's (muc.ts)
// share. In: the query as a page request — the XEP-0004 form's filters (`with`, `start`, `end`,
// and `before-id`/`after-id` of `urn:xmpp:mam:2#extended`) and XEP-0059 paging (`max`, `after`,
// `before`; an empty `<before/>` is the newest page); refusals are bad-request. Out: the form, the
// page's messages as `<result/>`s forwarded with their XEP-0203 delay, and `<fin/>`.
import type { MessageDetails } from '../../../core/messaging/model.js';
import { type Jid, parseJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { forwarded } from './chat-stanzas.js';

export const MAM_NS = 'urn:xmpp:mam:2';
export const MAM_EXTENDED = 'urn:xmpp:mam:2#extended';
export const RSM_NS = 'http://jabber.org/protocol/rsm';
export const DATA_NS = 'jabber:x:data';

/** Results per page when the client asks for none, and the most it may ask for. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 250;
/** A form may have this many fields at most (there are six). */
const MAX_FIELDS = 16;

export interface MamQuery {
  queryId: string | undefined;
  with: Jid | undefined;
  start: number | undefined;
  end: number | undefined;
  /** Archive ids (the core's message ids) to page from. */
  after: string | undefined;
  /** null: the newest page (an empty `<before/>`). */
  before: string | null | undefined;
  max: number;
}

const bad = (text: string) => new StanzaError('bad-request', text);

/** XEP-0082 date-time to epoch milliseconds. */
function dateTime(field: string, value: string): number {
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw bad(`${field} is not a XEP-0082 date-time`);
  return ms;
}

/** The submitted form's values by field (FORM_TYPE checked and left out). */
function formValues(query: XmlElement): Map<string, string> {
  const form = query.child('x', DATA_NS);
  const values = new Map<string, string>();
  if (!form) return values;
  const fields = form.elements('field');
  if (fields.length > MAX_FIELDS) throw bad('too many fields');
  for (const f of fields) {
    const name = f.attrs.var;
    const value = f.childText('value')?.trim() ?? '';
    if (name === undefined) throw bad('a field without var');
    if (name === 'FORM_TYPE') {
      if (value !== MAM_NS) throw bad(`FORM_TYPE must be ${MAM_NS}`);
    } else values.set(name, value);
  }
  return values;
}

const FIELDS = new Set(['with', 'start', 'end', 'before-id', 'after-id']);

export function parseMamQuery(query: XmlElement): MamQuery {
  const values = formValues(query);
  for (const name of values.keys()) if (!FIELDS.has(name)) throw bad(`unsupported field ${name}`);
  const value = (name: string) => {
    const v = values.get(name);
    return v === undefined || v === '' ? undefined : v;
  };
  const withValue = value('with');
  const withJid = withValue === undefined ? undefined : parseJid(withValue);
  if (withJid === null) throw new StanzaError('jid-malformed', 'with is not a JID');
  const set = query.child('set', RSM_NS);
  const maxText = set?.childText('max');
  const max = maxText === undefined ? DEFAULT_PAGE : Number(maxText.trim());
  if (!Number.isInteger(max) || max < 0) throw bad('max must be a number of items');
  const beforeEl = set?.child('before');
  const after = set?.childText('after')?.trim() || value('after-id');
  const before = beforeEl ? beforeEl.text().trim() || value('before-id') || null : value('before-id');
  if (after !== undefined && typeof before === 'string') throw bad('page after or before an item, not both');
  const start = value('start');
  const end = value('end');
  return {
    queryId: query.attrs.queryid,
    with: withJid,
    start: start === undefined ? undefined : dateTime('start', start),
    end: end === undefined ? undefined : dateTime('end', end),
    after,
    before,
    max: Math.min(max, MAX_PAGE),
  };
}

/**
 * The form a client fills in (XEP-0313 §4.1.1: the answer to a `get` of the query); a room's
 * archive offers no `with` (its messages are all the room's).
 */
export function mamForm(offers: { with: boolean } = { with: true }): XmlElement {
  const field = (name: string, type: string, value?: string) =>
    x('field', { var: name, type }, value !== undefined && x('value', {}, value));
  return x(
    'query',
    { xmlns: MAM_NS },
    x(
      'x',
      { xmlns: DATA_NS, type: 'form' },
      field('FORM_TYPE', 'hidden', MAM_NS),
      offers.with && field('with', 'jid-single'),
      field('start', 'text-single'),
      field('end', 'text-single'),
      field('before-id', 'text-single'),
      field('after-id', 'text-single'),
    ),
  );
}

/**
 * Answers a query with a page of the archive: each message, as `render` makes it, in a
 * `<result/>` from the archive (`archive`: its JID) to the querying client, then the `<fin/>`
 * that ends the query (the IQ result's payload).
 */
export async function answerQuery(
  q: MamQuery,
  page: { messages: MessageDetails[]; complete: boolean },
  o: {
    archive: string;
    to: string;
    render(m: MessageDetails): XmlElement | Promise<XmlElement>;
    send(result: XmlElement): void;
  },
): Promise<XmlElement> {
  for (const m of page.messages) {
    const inner = await o.render(m);
    const result = x('result', { xmlns: MAM_NS, queryid: q.queryId, id: m.id }, forwarded(inner, m.createdAt));
    o.send(x('message', { from: o.archive, to: o.to }, result));
  }
  return mamFin(
    page.messages.map((m) => m.id),
    page.complete,
  );
}

/** `<fin/>`: whether the page reaches the end it moved towards, and its first and last archive ids. */
export function mamFin(ids: string[], complete: boolean): XmlElement {
  const first = ids[0];
  const last = ids.at(-1);
  return x(
    'fin',
    { xmlns: MAM_NS, complete: complete ? 'true' : undefined },
    x(
      'set',
      { xmlns: RSM_NS },
      first !== undefined && last !== undefined && [x('first', {}, first), x('last', {}, last)],
    ),
  );
}
