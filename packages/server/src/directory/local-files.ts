// Local files and databases for directory sources (a `file` source's `path`, an `sql` source's
// `sqlite:` URL): only a system administrator sets them, and only inside the folders the
// configuration lists (`directory.localFolders`), never where Parley keeps its own data.
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { checkSize } from './file/common.js';
import type { SourceKind } from './model.js';
import { parseTarget } from './sql/engines.js';

/** Never readable, whatever the configuration lists: the kernel's views of processes and devices. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** Why a local path was refused (a message for a system administrator, with the path). */
export class LocalAccessError extends Error {
  override name = 'LocalAccessError';
}

export interface LocalFilesOptions {
  /** `directory.localFolders`: the only folders local sources may read from. */
  folders: string[];
  /** Parley's own folders (data, attachments, the secrets key's folder): never, even inside a listed folder. */
  privateFolders: string[];
  /** Parley's own files (the SQLite database, the secrets key): never, also not through a hard link. */
  privateFiles: string[];
}

/**
 * Checks local paths against the configuration. Every check resolves the path anew (symbolic
 * links, `..`), so a source stored earlier, a link changed since, or a configuration changed since
 * cannot lead anywhere else.
 */
export class LocalFiles {
  constructor(private readonly options: LocalFilesOptions) {}

  /**
   * The real path of a local file a source may read, or a LocalAccessError saying why not. The
   * file must exist and be a regular file.
   */
  async resolve(path: string): Promise<string> {
    if (!isAbsolute(path)) throw new LocalAccessError(`${path} is not an absolute path`);
    if (this.options.folders.length === 0) {
      throw new LocalAccessError(
        'local files and databases are off: no folder is listed in directory.localFolders of the configuration',
      );
    }
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new LocalAccessError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`);
    }
    if (SYSTEM_FOLDERS.some((f) => inside(real, f)))
      throw new LocalAccessError(`${path}: /proc, /sys and /dev are never read`);
    const privateFolders = await Promise.all(this.options.privateFolders.map(realOrResolved));
    const privateFiles = await Promise.all(this.options.privateFiles.map(realOrResolved));
    if (privateFolders.some((f) => inside(real, f)) || privateFiles.includes(real)) {
      throw new LocalAccessError(
        `${path} is one of Parley's own files (data folder, attachments, secrets key, database)`,
      );
    }
    const folders = await Promise.all(this.options.folders.map(realOrResolved));
    if (!folders.some((f) => inside(real, f))) {
      throw new LocalAccessError(`${path} is not inside a folder listed in directory.localFolders`);
    }
    const info = await stat(real);
    if (!info.isFile()) throw new LocalAccessError(`${path} is not a regular file`);
    // A hard link to the database or the key has another path but the same inode.
    for (const f of privateFiles) {
      const other = await stat(f).catch(() => null);
      if (other && other.dev === info.dev && other.ino === info.ino) {
        throw new LocalAccessError(`${path} is one of Parley's own files (a link to it)`);
      }
    }
    return real;
  }
}

/**
 * Reads a file that `LocalFiles.resolve` allowed, whole, refusing one over `maxBytes` before
 * reading it (and reading no more than it had then, should it grow).
 */
export async function readLocalFile(real: string, maxBytes: number): Promise<Buffer> {
  // No symbolic link swapped in since the check; a FIFO does not block the open.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new LocalAccessError(`${real} is not a regular file`);
    checkSize(info.size, maxBytes);
    const buf = Buffer.alloc(info.size);
    let at = 0;
    while (at < buf.length) {
      const { bytesRead } = await handle.read(buf, at, buf.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buf.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** The local path a source's settings point to: a file source's `path`, an SQL source's `sqlite:` file. */
export function localPathOf(kind: SourceKind, config: Record<string, unknown>): string | null {
  if (kind === 'file' && typeof config.path === 'string') return config.path;
  if (kind === 'sql' && typeof config.url === 'string' && config.url.trim().startsWith('sqlite:')) {
    try {
      const target = parseTarget(config.url.trim());
      return target.dialect === 'sqlite' ? target.path : null;
    } catch {
      return null; // the connector names what is wrong with the URL
    }
  }
  return null;
}

/** The settings with the local path replaced by its resolved real path (what the connector opens). */
export function withLocalPath(
  kind: SourceKind,
  config: Record<string, unknown>,
  real: string,
): Record<string, unknown> {
  return kind === 'file' ? { ...config, path: real } : { ...config, url: `sqlite:${real}` };
}

function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of a folder or file of Parley's, or the path as written when it does not exist (yet). */
async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}
