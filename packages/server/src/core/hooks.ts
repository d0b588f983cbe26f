import type { Role } from '@parley/api';
import type { Logger } from '../platform/log.js';

/**
 * Ordered hooks that may change a value or veto an action by throwing a ParleyError, as opposed to
 * bus events, which only observe. Add a hook here and nowhere else.
 */
export interface HookMap {
  /** Before a user is created: may adjust the input or refuse (e.g. a licence limit). */
  'user.beforeCreate': { tenantId: string; local: string; domain: string; role: Role };
  /** Before a password login is checked: may refuse (e.g. an IP allow-list). */
  'auth.beforeLogin': { tenantId: string; userId: string; address: string | null };
}

type HookFn<V> = (value: V) => V | undefined | Promise<V | undefined>;

interface Entry {
  priority: number;
  fn: HookFn<never>;
  name: string;
}

/**
 * @example
 * hooks.register('user.beforeCreate', 'licence', (v) => { if (tooMany) throw forbidden('licence'); });
 * const input = await hooks.run('user.beforeCreate', { tenantId, local, domain, role });
 */
export class Hooks {
  private readonly entries = new Map<keyof HookMap, Entry[]>();

  constructor(private readonly log: Logger) {}

  /** Lower priority runs first. Returns a function that removes the hook. */
  register<K extends keyof HookMap>(hook: K, name: string, fn: HookFn<HookMap[K]>, priority = 0): () => void {
    const list = this.entries.get(hook) ?? [];
    const entry: Entry = { priority, fn: fn as unknown as HookFn<never>, name };
    list.push(entry);
    list.sort((a, b) => a.priority - b.priority);
    this.entries.set(hook, list);
    return () => {
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs every hook in order, each seeing the previous one's value; a throw vetoes. */
  async run<K extends keyof HookMap>(hook: K, value: HookMap[K]): Promise<HookMap[K]> {
    let current = value;
    for (const entry of this.entries.get(hook) ?? []) {
      const next = await (entry.fn as unknown as HookFn<HookMap[K]>)(current);
      if (next !== undefined) current = next;
      this.log.trace({ hook, name: entry.name }, 'hook ran');
    }
    return current;
  }
}
