// Dotted paths into JSON: `data.contacts`, `account.name`, `phones[].number` (every element),
// `emails[0]` (one element). The empty path is the value itself.

type Step = { key: string } | { all: true } | { index: number };

const cache = new Map<string, Step[]>();

/** Parses a path; throws with the position of what it does not understand. */
export function parsePath(path: string): Step[] {
  const cached = cache.get(path);
  if (cached) return cached;
  const steps: Step[] = [];
  const re = /([^.[\]]+)|\[(\d*)\]|(\.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < path.length) {
    const at = re.lastIndex;
    m = re.exec(path);
    if (!m) throw new Error(`path ${path}: cannot read "${path.slice(at)}"`);
    if (m[1] !== undefined) {
      if (!expectKey) throw new Error(`path ${path}: a "." is missing before "${m[1]}"`);
      steps.push({ key: m[1] });
      expectKey = false;
    } else if (m[2] !== undefined) {
      steps.push(m[2] === '' ? { all: true } : { index: Number(m[2]) });
      expectKey = false;
    } else {
      if (expectKey) throw new Error(`path ${path}: empty name at ${at}`);
      expectKey = true;
    }
  }
  if (expectKey && steps.length > 0) throw new Error(`path ${path}: ends with "."`);
  if (cache.size < 1000) cache.set(path, steps);
  return steps;
}

/** Every value the path leads to (none when a step is missing). */
export function select(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('key' in step) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.key)) {
          next.push((v as Record<string, unknown>)[step.key]);
        }
      } else if (Array.isArray(v)) {
        if ('all' in step) next.push(...v);
        else if (step.index < v.length) next.push(v[step.index]);
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}

/** A scalar as trimmed text; objects, arrays, null and blanks give null. */
export function scalar(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return null;
}

/** The first scalar the path leads to. */
export function first(root: unknown, path: string): string | null {
  for (const v of select(root, path)) {
    const s = scalar(v);
    if (s !== null) return s;
  }
  return null;
}
