// A tenant's index on disk, so that a restart answers lookups in seconds instead of rebuilding the
// index from the store: the index's arrays written as they are (index.ts `image`), with what each
// source had synced when its contacts were loaded. Loading checks the format version, a SHA-256
// over everything, the tenant and its numbering plan; whatever does not match means a rebuild.
// Sources whose state differs from the store's (synced, changed or removed while the node was
// down) are reloaded from the store after the snapshot has been loaded, while it answers.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexImage } from './index.js';
import type { SourceRow } from './model.js';
import type { TableImage } from './packed.js';

/** Bumped whenever the layout of the index or of this file changes. */
export const SNAPSHOT_VERSION = 1;
const MAGIC = Buffer.from('PARLEYDX');

/** What a source had synced when its contacts went into the index: a change of any of it means a reload. */
export type SourceState = Pick<SourceRow, 'id' | 'updatedAt' | 'lastSyncAt' | 'entries' | 'numbering'>;

export const sourceState = (s: SourceRow): SourceState => ({
  id: s.id,
  updatedAt: s.updatedAt,
  lastSyncAt: s.lastSyncAt,
  entries: s.entries,
  numbering: s.numbering,
});

/** Whether two states of a source say its stored contacts are the same. */
export const sameState = (a: SourceState, b: SourceState) =>
  a.updatedAt === b.updatedAt &&
  a.lastSyncAt === b.lastSyncAt &&
  a.entries === b.entries &&
  a.numbering === b.numbering;

export interface Snapshot {
  image: IndexImage;
  /** The numbering plan (its key) the index was built with. */
  plan: string;
  sources: SourceState[];
}

type ArrayKind = 'u32' | 'i32' | 'u16' | 'bytes';
type Section = { name: string; kind: ArrayKind; length: number };
const ARRAYS = { u32: Uint32Array, i32: Int32Array, u16: Uint16Array } as const;
const TABLE_ARRAYS = ['hi', 'lo', 'head', 'nodeId', 'nodeNext'] as const;

const bytesOf = (a: Uint32Array | Int32Array | Uint16Array | Buffer) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Where the snapshot of a tenant's index lives. */
export const snapshotFile = (folder: string, tenantId: string) => join(folder, `${encodeURIComponent(tenantId)}.index`);

/**
 * Writes the snapshot next to its place and renames it there (a crash leaves the old one or the
 * new one, never half of one). The checksum is computed in slices, so the event loop keeps
 * answering meanwhile; the arrays are the index's own, so the file is kept only if `unchanged()`
 * says the index did not change meanwhile (else false).
 */
export async function writeSnapshot(
  file: string,
  tenantId: string,
  snap: Snapshot & { unchanged: () => boolean },
): Promise<boolean> {
  const { image } = snap;
  const arrays: [string, Uint32Array | Int32Array | Uint16Array | Buffer][] = [
    ['arena', image.arena],
    ['off', image.off],
    ['len', image.len],
    ['src', image.src],
  ];
  const tables: Record<string, Omit<TableImage, (typeof TABLE_ARRAYS)[number]>> = {};
  for (const [name, t] of Object.entries(image.tables)) {
    for (const a of TABLE_ARRAYS) arrays.push([`${name}.${a}`, t[a]]);
    tables[name] = { used: t.used, keys: t.keys, nodes: t.nodes, freeNode: t.freeNode };
  }
  const lists = Buffer.from(
    JSON.stringify({
      free: image.free,
      sourceIds: image.sourceIds,
      oddNumbers: image.oddNumbers,
      oddBlocks: image.oddBlocks,
      words: image.words,
      callingCodes: image.callingCodes,
    }),
  );
  arrays.push(['lists', lists]);
  const sections: Section[] = arrays.map(([name, a]) => ({
    name,
    kind: Buffer.isBuffer(a) ? 'bytes' : a instanceof Uint32Array ? 'u32' : a instanceof Int32Array ? 'i32' : 'u16',
    length: Buffer.isBuffer(a) ? a.length : a.length,
  }));
  const meta = {
    version: SNAPSHOT_VERSION,
    tenantId,
    plan: snap.plan,
    sources: snap.sources,
    count: image.count,
    tables,
    sections,
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
 * The snapshot in `file`, or why it cannot be used (missing, another version, another tenant, a
 * checksum that does not match, cut short). The arrays are read into arrays of their own.
 */
export async function readSnapshot(file: string, tenantId: string): Promise<Snapshot | { unusable: string }> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    return { unusable: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'none yet' : 'unreadable' };
  }
  if (data.length < 48 || !data.subarray(0, 8).equals(MAGIC)) return { unusable: 'not a snapshot' };
  const headerLength = data.readUInt32LE(8);
  const headerEnd = 16 + headerLength;
  if (headerEnd + 32 > data.length) return { unusable: 'cut short' };
  let meta: {
    version: number;
    tenantId: string;
    plan: string;
    sources: SourceState[];
    count: number;
    tables: Record<string, Omit<TableImage, (typeof TABLE_ARRAYS)[number]>>;
    sections: Section[];
  };
  const header = data.subarray(16, headerEnd);
  try {
    meta = JSON.parse(header.toString('utf8'));
  } catch {
    return { unusable: 'header unreadable' };
  }
  if (meta.version !== SNAPSHOT_VERSION) return { unusable: `version ${meta.version}, not ${SNAPSHOT_VERSION}` };
  if (meta.tenantId !== tenantId) return { unusable: 'another tenant' };
  const body = data.subarray(headerEnd + 32);
  const size = (s: Section) => s.length * (s.kind === 'bytes' ? 1 : s.kind === 'u16' ? 2 : 4);
  if (meta.sections.reduce((sum, s) => sum + size(s), 0) !== body.length) return { unusable: 'cut short' };
  const digest = createHash('sha256').update(header).update(body).digest();
  if (!digest.equals(data.subarray(headerEnd, headerEnd + 32))) return { unusable: 'checksum mismatch' };
  const read = new Map<string, Uint32Array | Int32Array | Uint16Array | Buffer>();
  let at = 0;
  for (const s of meta.sections) {
    const bytes = body.subarray(at, at + size(s));
    at += size(s);
    if (s.kind === 'bytes') read.set(s.name, Buffer.from(bytes));
    else {
      const a = new ARRAYS[s.kind](s.length);
      bytesOf(a).set(bytes);
      read.set(s.name, a);
    }
  }
  const lists = JSON.parse((read.get('lists') as Buffer).toString('utf8')) as Pick<
    IndexImage,
    'free' | 'sourceIds' | 'oddNumbers' | 'oddBlocks' | 'words' | 'callingCodes'
  >;
  const table = (name: string): TableImage => ({
    ...(meta.tables[name] as Omit<TableImage, (typeof TABLE_ARRAYS)[number]>),
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
    },
  };
}
