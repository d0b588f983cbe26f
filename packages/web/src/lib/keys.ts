/**
 * React keys for a list whose items have no id and may repeat: each item's own key, numbered
 * from its second occurrence on.
 * @example keyed(['a', 'b', 'a'], (x) => x) // [['a','a'], ['b','b'], ['a#1','a']]
 */
export function keyed<T>(items: readonly T[], key: (item: T) => string): [string, T][] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return [n === 0 ? k : `${k}#${n}`, item];
  });
}
