// A tenant's index on disk, so that a restart answers lookups in seconds instead of rebuilding the
// index from the store: the index's arrays written as they are (index.ts `image`), with what each
// source had synced when its contacts were loaded. Loading checks the format version, a SHA-256
// over everything, the tenant and its numbering plan; whatever does not match means a rebuild.
// Sources whose state differs from the store's (synced, changed or removed while the node was
// down) are reloaded from the store after the snapshot has been loaded, while it answers.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexImage } from './index.js';
import type { SourceRow } from './model.js';
import type { TableImage } from './packed.js';

/**
 * Bumped whenever the layout of the index or of this file changes. 2: the typeahead's words as
 * typed arrays (word-index.ts) instead of JSON; a source's state includes its sync state.
 */
export const SNAPSHOT_VERSION = 2;
const MAGIC = Buffer.from('PARLEYDX');
/** The bytes read (and hashed) at a time. */
const CHUNK = 1 << 22;

/** What a source had synced when its contacts went into the index. */
export type SourceState = Pick<SourceRow, 'id' | 'state' | 'updatedAt' | 'lastSyncAt' | 'entries' | 'numbering'>;

export const sourceState = (s: SourceRow): SourceState => ({
  id: s.id,
  state: s.state,
  updatedAt: s.updatedAt,
  lastSyncAt: s.lastSyncAt,
  entries: s.entries,
  numbering: s.numbering,
});

/**
 * Whether two states of a source say its stored contacts are the same. Only a sync changes them,
 * and one that ends well sets `lastSyncAt`; a change of the source's name, priority, visibility
 * or schedule (`updatedAt` only) does not count. A sync that failed after storing some contacts,
 * or one still running, sets no `lastSyncAt`: in those states any change of the row counts.
 */
export const sameState = (a: SourceState, b: SourceState) =>
  a.lastSyncAt === b.lastSyncAt &&
  a.entries === b.entries &&
  a.numbering === b.numbering &&
  a.state === b.state &&
  (a.updatedAt === b.updatedAt || !['error', 'syncing'].includes(a.state));

export interface Snapshot {
  image: IndexImage;
  /** The numbering plan (its key) the index was built with. */
  plan: string;
  sources: SourceState[];
}

type ArrayKind = 'u32' | 'i32' | 'u16' | 'bytes';
type Section = { name: string; kind: ArrayKind; length: number };
type Arrays = Uint32Array | Int32Array | Uint16Array | Buffer;
const ARRAYS = { u32: Uint32Array, i32: Int32Array, u16: Uint16Array } as const;
const TABLE_ARRAYS = ['hi', 'lo', 'head', 'nodeId', 'nodeNext'] as const;
const WORD_ARRAYS = ['text', 'at', 'start', 'ids'] as const;
type Lists = Pick<IndexImage, 'free' | 'sourceIds' | 'oddNumbers' | 'oddBlocks' | 'callingCodes'>;
type Meta = {
  version: number;
  tenantId: string;
  plan: string;
  sources: SourceState[];
  count: number;
  tables: Record<string, Omit<TableImage, (typeof TABLE_ARRAYS)[number]>>;
  sections: Section[];
};

const bytesOf = (a: Arrays) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const kindOf = (a: Arrays): ArrayKind =>
  Buffer.isBuffer(a) ? 'bytes' : a instanceof Uint32Array ? 'u32' : a instanceof Int32Array ? 'i32' : 'u16';
const sizeOf = (s: Section) => s.length * (s.kind === 'bytes' ? 1 : s.kind === 'u16' ? 2 : 4);

/** Where the snapshot of a tenant's index lives. */
export const snapshotFile = (folder: string, tenantId: string) => join(folder, `${encodeURIComponent(tenantId)}.index`);

/**
 * Writes the snapshot next to its place and renames it there (a crash leaves the old one or the
 * new one, never half of one). The checksum is computed in slices, so the event loop keeps
 * answering meanwhile; the arrays are the index's own, so the file is kept only if `unchanged()`
 * says the index did not change meanwhile (else false).
 *
 * Layout: `PARLEYDX`, the header's length (u32 LE, then 4 bytes 0), the header (JSON: `Meta`),
 * the SHA-256 of the header and all sections, then each section's bytes in the header's order
 * (typed arrays in the machine's byte order, as they are in memory).
 */
export async function writeSnapshot(
  file: string,
  tenantId: string,
  snap: Snapshot & { unchanged: () => boolean },
): Promise<boolean> {
  const { image } = snap;
  const arrays: [string, Arrays][] = [
    ['arena', image.arena],
    ['off', image.off],
    ['len', image.len],
    ['src', image.src],
  ];
  const tables: Meta['tables'] = {};
  for (const [name, t] of Object.entries(image.tables)) {
    for (const a of TABLE_ARRAYS) arrays.push([`${name}.${a}`, t[a]]);
    tables[name] = { used: t.used, keys: t.keys, nodes: t.nodes, freeNode: t.freeNode };
  }
  for (const a of WORD_ARRAYS) arrays.push([`words.${a}`, image.words[a]]);
  const { free, sourceIds, oddNumbers, oddBlocks, callingCodes } = image;
  const lists: Lists = { free, sourceIds, oddNumbers, oddBlocks, callingCodes };
  arrays.push(['lists', Buffer.from(JSON.stringify(lists))]);
  const meta: Meta = {
    version: SNAPSHOT_VERSION,
    tenantId,
    plan: snap.plan,
    sources: snap.sources,
    count: image.count,
    tables,
    sections: arrays.map(([name, a]) => ({ name, kind: kindOf(a), length: a.length })),
  };
  const header = Buffer.from(JSON.stringify(meta));
  const hash = createHash('sha256').update(header);
  for (const [, a] of arrays) {
    const bytes = bytesOf(a);
    for (let at = 0; at < bytes.length; at += 1 << 23) {
      hash.update(bytes.subarray(at, at + (1 << 23)));
      await new Promise((r) => setImmediate(r));
    }
  }
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32LE(header.length, 0);
  const partial = `${file}.${process.pid}.tmp`;
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const fh = await open(partial, 'w', 0o600);
  try {
    await fh.write(Buffer.concat([MAGIC, lengths, header, hash.digest()]));
    for (const [, a] of arrays) await fh.write(bytesOf(a));
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (!snap.unchanged()) {
    await rm(partial, { force: true });
    return false;
  }
  await rename(partial, file).catch(async (err) => {
    await rm(partial, { force: true });
    throw err;
  });
  return true;
}

/**
 * The snapshot in `file`, or why it cannot be used (missing, another version, another tenant or
 * numbering plan, cut short, a checksum that does not match). Each section is read straight into
 * an array of its own, a chunk at a time, and hashed while the next chunk is read: no copy of the
 * whole file is held, and the checksum is no second pass.
 */
export async function readSnapshot(
  file: string,
  tenantId: string,
  plan: string,
): Promise<Snapshot | { unusable: string }> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    return { unusable: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'none yet' : 'unreadable' };
  }
  try {
    return await readOpen(fh, tenantId, plan);
  } finally {
    await fh.close();
  }
}

async function readOpen(fh: FileHandle, tenantId: string, plan: string): Promise<Snapshot | { unusable: string }> {
  const { size } = await fh.stat();
  const start = Buffer.alloc(16);
  if (size < 48 || (await fh.read(start, 0, 16, 0)).bytesRead < 16 || !start.subarray(0, 8).equals(MAGIC)) {
    return { unusable: 'not a snapshot' };
  }
  const headerEnd = 16 + start.readUInt32LE(8);
  if (headerEnd + 32 > size) return { unusable: 'cut short' };
  const header = Buffer.alloc(headerEnd + 32 - 16);
  await fh.read(header, 0, header.length, 16);
  let meta: Meta;
  try {
    meta = JSON.parse(header.toString('utf8', 0, header.length - 32));
  } catch {
    return { unusable: 'header unreadable' };
  }
  if (meta.version !== SNAPSHOT_VERSION) return { unusable: `version ${meta.version}, not ${SNAPSHOT_VERSION}` };
  if (meta.tenantId !== tenantId) return { unusable: 'another tenant' };
  if (meta.plan !== plan) return { unusable: 'another numbering plan' };
  if (meta.sections.reduce((sum, s) => sum + sizeOf(s), 0) !== size - headerEnd - 32) return { unusable: 'cut short' };
  const hash = createHash('sha256').update(header.subarray(0, header.length - 32));
  const read = new Map<string, Arrays>();
  // Chunks in file order: each is read while the one before is hashed.
  const chunks: Buffer[] = [];
  for (const s of meta.sections) {
    const a = s.kind === 'bytes' ? Buffer.allocUnsafe(s.length) : new ARRAYS[s.kind](s.length);
    read.set(s.name, a);
    const bytes = bytesOf(a);
    for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK));
  }
  let position = headerEnd + 32;
  const readChunk = async (chunk: Buffer, at: number) => {
    if ((await fh.read(chunk, 0, chunk.length, at)).bytesRead !== chunk.length) throw new Error('cut short');
  };
  let pending: Promise<void> | null = null;
  for (const [i, chunk] of chunks.entries()) {
    if (i === 0) pending = readChunk(chunk, position);
    await pending;
    position += chunk.length;
    const next = chunks[i + 1];
    pending = next ? readChunk(next, position) : null;
    hash.update(chunk);
  }
  if (!hash.digest().equals(header.subarray(header.length - 32))) return { unusable: 'checksum mismatch' };
  const lists = JSON.parse((read.get('lists') as Buffer).toString('utf8')) as Lists;
  const table = (name: string): TableImage => ({
    ...(meta.tables[name] as Meta['tables'][string]),
    hi: read.get(`${name}.hi`) as Uint32Array,
    lo: read.get(`${name}.lo`) as Uint32Array,
    head: read.get(`${name}.head`) as Int32Array,
    nodeId: read.get(`${name}.nodeId`) as Int32Array,
    nodeNext: read.get(`${name}.nodeNext`) as Int32Array,
  });
  return {
    plan: meta.plan,
    sources: meta.sources,
    image: {
      ...lists,
      arena: read.get('arena') as Buffer,
      off: read.get('off') as Uint32Array,
      len: read.get('len') as Uint32Array,
      src: read.get('src') as Uint16Array,
      count: meta.count,
      tables: { keys: table('keys'), numbers: table('numbers'), blocks: table('blocks'), emails: table('emails') },
      words: {
        text: read.get('words.text') as Buffer,
        at: read.get('words.at') as Uint32Array,
        start: read.get('words.start') as Uint32Array,
        ids: read.get('words.ids') as Int32Array,
      },
    },
  };
}
