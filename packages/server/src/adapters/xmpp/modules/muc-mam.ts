// XEP-0313 message archive of a room, from the core's history. The pieces are kept apart so the
// 1:1 archive can share them: RSM paging (XEP-0059) and the MAM query form in, `<forwarded/>`
// results (XEP-0297) and `<fin/>` out, and the mapping of a page request onto the core's history.
import type { MessageDetails } from '../../../core/messaging/model.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { DATA_FORMS } from './disco-info.js';
import { DELAY, MAM } from './muc-render.js';

export const RSM = 'http://jabber.org/protocol/rsm';
export const FORWARD = 'urn:xmpp:forward:0';

/** Results per page when the client names no `<max/>`, and the most it may ask for. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 250;

/** A page request (XEP-0059 §2): `before` empty asks for the last page. */
export interface RsmRequest {
  max: number;
  before?: string;
  after?: string;
}

export function parseRsm(set: XmlElement | undefined): RsmRequest {
  const maxText = set?.childText('max');
  if (maxText !== undefined && !/^\d{1,6}$/.test(maxText.trim())) throw new StanzaError('bad-request', 'bad <max/>');
  const max = Math.min(maxText === undefined ? PAGE_DEFAULT : Number(maxText.trim()), PAGE_MAX);
  const before = set?.child('before')?.text();
  const after = set?.childText('after');
  return { max, ...(before !== undefined && { before }), ...(after !== undefined && { after }) };
}

/** The filter of a MAM query (XEP-0313 §4.1): a time range, and `with` (not offered for rooms). */
export interface MamFilter {
  start?: number;
  end?: number;
  with?: string;
}

const time = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new StanzaError('bad-request', `${name} is not a date-time (XEP-0082)`);
  return t;
};

export function parseMamForm(form: XmlElement | undefined): MamFilter {
  const value = (name: string) =>
    form
      ?.elements('field')
      .find((f) => f.attrs.var === name)
      ?.childText('value');
  const start = time('start', value('start'));
  const end = time('end', value('end'));
  const w = value('with');
  return {
    ...(start !== undefined && { start }),
    ...(end !== undefined && { end }),
    ...(w !== undefined && { with: w }),
  };
}

/** The fields a MAM query may have (XEP-0313 §4.1.1), for a query form request. */
export const mamFields = (): XmlElement =>
  x(
    'query',
    { xmlns: MAM },
    x(
      'x',
      { xmlns: DATA_FORMS, type: 'form' },
      x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, MAM)),
      x('field', { var: 'start', type: 'text-single' }),
      x('field', { var: 'end', type: 'text-single' }),
    ),
  );

/** A stanza as it was, with when (XEP-0297 with XEP-0203). */
export const forwarded = (stanza: XmlElement, stamp: number): XmlElement =>
  x(
    'forwarded',
    { xmlns: FORWARD },
    x('delay', { xmlns: DELAY, stamp: new Date(stamp).toISOString() }),
    stanza.withAttrs({ xmlns: 'jabber:client' }),
  );

/** One result of a query (XEP-0313 §4.2): `id` is the archive's id of the message. */
export const mamResult = (
  from: string,
  to: string,
  queryid: string | undefined,
  id: string,
  fwd: XmlElement,
): XmlElement => x('message', { from, to }, x('result', { xmlns: MAM, queryid, id }, fwd));

/** The end of a query (XEP-0313 §4.3): the page's first and last ids, whether it reached the end. */
export const fin = (page: { complete: boolean; first?: string | undefined; last?: string | undefined }): XmlElement =>
  x(
    'fin',
    { xmlns: MAM, complete: page.complete ? 'true' : undefined },
    x(
      'set',
      { xmlns: RSM },
      page.first !== undefined && x('first', {}, page.first),
      page.last !== undefined && x('last', {}, page.last),
    ),
  );

/** The core's history as a page source: a page by sequence bounds, and the sequence of an archive id. */
export interface Archive {
  history(q: {
    before?: number;
    after?: number;
    start?: number;
    end?: number;
    limit: number;
  }): Promise<{ messages: MessageDetails[]; hasMore: boolean }>;
  seqOf(id: string): Promise<number>;
}

/**
 * One page of the archive, oldest first: after an id (forwards), before one or the last page
 * (backwards), or from the start; `complete` when no more lie in the direction of paging.
 * Deleted messages are left out of the results.
 */
export async function archivePage(
  archive: Archive,
  rsm: RsmRequest,
  filter: MamFilter,
): Promise<{ messages: MessageDetails[]; complete: boolean }> {
  const range = {
    ...(filter.start !== undefined && { start: filter.start }),
    ...(filter.end !== undefined && { end: filter.end }),
  };
  let page: { messages: MessageDetails[]; hasMore: boolean };
  if (rsm.before !== undefined) {
    const before = rsm.before === '' ? {} : { before: await archive.seqOf(rsm.before) };
    page = await archive.history({ ...before, ...range, limit: rsm.max });
    page.messages.reverse();
  } else {
    const after = rsm.after === undefined ? 0 : await archive.seqOf(rsm.after);
    page = await archive.history({ after, ...range, limit: rsm.max });
  }
  return { messages: page.messages.filter((m) => m.deletedAt === null), complete: !page.hasMore };
}
