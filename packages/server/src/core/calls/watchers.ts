import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { Logger } from '../../platform/log.js';
import { lineDialogs } from './lines.js';
import type { Call, LineDialog, OnLineChange } from './model.js';

/**
 * Who follows the calls a node knows: line watches (a BLF key's dialogs) and waits for a call to
 * reach a version (a replica catching up with the node that switches the call).
 */
export class CallWatchers {
  private readonly lines = new Map<string, Set<OnLineChange>>();
  private readonly versions = new Map<string, Set<{ version: number; done: () => void }>>();

  constructor(private readonly log: Logger) {}

  /** Hands `onChange` every change of the line's dialogs, until the returned function is called. */
  line(tenantId: string, lineId: string, onChange: OnLineChange): Unsubscribe {
    const k = `${tenantId} ${lineId}`;
    const set = this.lines.get(k) ?? new Set();
    this.lines.set(k, set);
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0 && this.lines.get(k) === set) this.lines.delete(k);
    };
  }

  /** Resolves when `changed` brings `version` (or a later one) of the call, or after `timeoutMs`. */
  version(callId: string, version: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.versions.get(callId) ?? new Set();
      this.versions.set(callId, set);
      const waiter = {
        version,
        done: () => {
          clearTimeout(timer);
          set.delete(waiter);
          if (set.size === 0 && this.versions.get(callId) === set) this.versions.delete(callId);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      set.add(waiter);
    });
  }

  /** A new version of a call: the watchers of its lines get the dialogs that changed and all live ones (`dialogsOf`). */
  changed(previous: Call | undefined, call: Call, dialogsOf: (lineId: string) => LineDialog[]): void {
    for (const w of [...(this.versions.get(call.id) ?? [])]) if (call.version >= w.version) w.done();
    const lineIds = new Set(call.connections.flatMap((c) => (c.party.lineId === undefined ? [] : [c.party.lineId])));
    for (const lineId of lineIds) {
      const set = this.lines.get(`${call.tenantId} ${lineId}`);
      if (!set) continue;
      const before = new Map(
        (previous ? lineDialogs(previous, lineId) : []).map((d) => [d.connectionId, JSON.stringify(d)]),
      );
      const changed = lineDialogs(call, lineId).filter((d) => before.get(d.connectionId) !== JSON.stringify(d));
      if (changed.length === 0) continue;
      const change = { lineId, changed, dialogs: dialogsOf(lineId) };
      for (const onChange of set) {
        try {
          onChange(change);
        } catch (err) {
          this.log.warn({ err, callId: call.id, lineId }, 'line watcher failed');
        }
      }
    }
  }
}
