/** Editing a connector's settings (plain JSON objects) by dotted paths; no imports, so node tests it. */

export type Config = Record<string, unknown>;

const numberTypes = ['work', 'mobile', 'home', 'fax', 'pager', 'other'] as const;

const isObject = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value at a dotted path.
 * @example getPath({ mapping: { id: 'id' } }, 'mapping.id') // 'id'
 */
export function getPath(config: Config, path: string): unknown {
  let at: unknown = config;
  for (const key of path.split('.')) {
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * A copy with the value at a dotted path replaced; `undefined` removes it, and objects left empty
 * by that go too (so the connector's defaults apply).
 * @example setPath({}, 'paging.kind', 'page') // { paging: { kind: 'page' } }
 */
export function setPath(config: Config, path: string, value: unknown): Config {
  const [key, ...rest] = path.split('.');
  if (key === undefined) return config;
  const next: Config = { ...config };
  if (rest.length === 0) {
    if (value === undefined) delete next[key];
    else next[key] = value;
    return next;
  }
  const child = setPath(isObject(config[key]) ? (config[key] as Config) : {}, rest.join('.'), value);
  if (Object.keys(child).length === 0) delete next[key];
  else next[key] = child;
  return next;
}

/**
 * Number mappings as one line: `phone:work, mobile:mobile`; a missing type is `work`.
 * @example parseNumberList('tel, handy:mobile', 'column') // [{column:'tel',type:'work'},{column:'handy',type:'mobile'}]
 */
export function parseNumberList(text: string, itemKey: 'path' | 'column'): { type: string; [k: string]: string }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.lastIndexOf(':');
      const type = colon > 0 ? part.slice(colon + 1).trim() : '';
      const known = (numberTypes as readonly string[]).includes(type);
      const name = known ? part.slice(0, colon).trim() : part;
      return { [itemKey]: name, type: known ? type : 'work' };
    });
}

/** The reverse of parseNumberList. */
export function formatNumberList(value: unknown, itemKey: 'path' | 'column'): string {
  if (!Array.isArray(value)) return '';
  return value
    .filter(isObject)
    .map((n) => `${String(n[itemKey] ?? '')}:${String(n.type ?? 'work')}`)
    .join(', ');
}
