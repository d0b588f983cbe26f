import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageDetails } from '../../../core/messaging/model.js';
import { x } from '../xml/element.js';
import { parseMamQuery, RSM_NS } from './mam-query.js';
import { type Archive, archivePage } from './muc-mam.js';

/** A room's history of seven messages (seq 1–7, ids m1–m7, one a minute); m4 is deleted. */
const messages = Array.from({ length: 7 }, (_, i) => {
  const seq = i + 1;
  return {
    id: `m${seq}`,
    seq,
    createdAt: seq * 60_000,
    deletedAt: seq === 4 ? 8 * 60_000 : null,
  } as MessageDetails;
});

/** The core's history contract over `messages`: after/before by sequence, newest first when `before` is set. */
const archive: Archive = {
  async history(q) {
    const inRange = messages.filter(
      (m) =>
        (q.after === undefined || m.seq > q.after) &&
        (q.before === undefined || m.seq < q.before) &&
        (q.start === undefined || m.createdAt >= q.start) &&
        (q.end === undefined || m.createdAt <= q.end),
    );
    const ordered = q.after === undefined ? [...inRange].reverse() : inRange;
    return { messages: ordered.slice(0, q.limit), hasMore: ordered.length > q.limit };
  },
  async seqOf(id) {
    const m = messages.find((c) => c.id === id);
    if (!m) throw new Error(`no ${id}`);
    return m.seq;
  },
};

const query = (...set: ReturnType<typeof x>[]) =>
  parseMamQuery(x('query', { xmlns: 'urn:xmpp:mam:2' }, set.length > 0 && x('set', { xmlns: RSM_NS }, set)));

test('room archive pages (XEP-0313 over XEP-0059): forwards, backwards, newest; deleted ones left out', async () => {
  const cases: [string, ReturnType<typeof parseMamQuery>, string[], boolean][] = [
    ['from the start', query(x('max', {}, '3')), ['m1', 'm2', 'm3'], false],
    ['after an id', query(x('max', {}, '3'), x('after', {}, 'm3')), ['m5', 'm6'], false],
    ['after the last page', query(x('max', {}, '3'), x('after', {}, 'm5')), ['m6', 'm7'], true],
    ['the newest page', query(x('max', {}, '2'), x('before')), ['m6', 'm7'], false],
    ['before an id', query(x('max', {}, '10'), x('before', {}, 'm6')), ['m1', 'm2', 'm3', 'm5'], true],
    ['a time range', { ...query(), start: 2 * 60_000, end: 3 * 60_000 }, ['m2', 'm3'], true],
  ];
  for (const [name, q, ids, complete] of cases) {
    const page = await archivePage(archive, q);
    assert.deepEqual(
      page.messages.map((m) => m.id),
      ids,
      name,
    );
    assert.equal(page.complete, complete, name);
  }
});
