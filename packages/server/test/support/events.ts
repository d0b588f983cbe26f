import { type ClientEvent, eventsPath } from '@parley/api';
import WebSocket from 'ws';

/** An open event socket that collects what it receives. */
export interface Listener {
  received: ClientEvent[];
  /**
   * The next event of `type` (after those already taken) matching `match`; rejects after `ms`
   * (default 30 s: a bound against hangs, generous so that a busy machine passes).
   */
  next<T extends ClientEvent['type']>(
    type: T,
    match?: (e: Extract<ClientEvent, { type: T }>) => boolean,
    ms?: number,
  ): Promise<Extract<ClientEvent, { type: T }>>;
  close(): void;
}

/** Opens `/api/v1/events` with a bearer token (or the given headers); resolves once the hello has arrived. */
export async function listen(baseUrl: string, auth: string | { headers: Record<string, string> }): Promise<Listener> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${eventsPath}`, {
    headers: typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : auth.headers,
  });
  const received: ClientEvent[] = [];
  const taken = new Set<number>();
  let wake = () => {};
  ws.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as ClientEvent);
    wake();
  });
  const next: Listener['next'] = async (type, match, ms = 30_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const [i, e] of received.entries()) {
        if (taken.has(i) || e.type !== type) continue;
        const typed = e as Extract<ClientEvent, { type: typeof type }>;
        if (match && !match(typed)) continue;
        taken.add(i);
        return typed;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${ms} ms; got ${JSON.stringify(received.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await next('hello');
  return { received, next, close: () => ws.close() };
}
