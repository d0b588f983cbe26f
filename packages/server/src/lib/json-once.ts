const serialized = new WeakMap<object, string>();

/**
 * JSON of an object that is not changed after it is made, computed once however often it is asked
 * for (an event fanned out to every watching socket, a numbering plan compared on every lookup).
 */
export function jsonOnce(value: object): string {
  let json = serialized.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    serialized.set(value, json);
  }
  return json;
}
