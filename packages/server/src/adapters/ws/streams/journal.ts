import { journalEntryView } from '../../views/journal.js';
import type { EventStream } from './stream.js';

/** The user's call journal: new entries, changed ones (in another client) and all marked read. */
export const journalStream: EventStream = ({ core, principal, send, onClose }) => {
  const { userId } = principal.session;
  const bus = core.ctx.bus;
  for (const type of ['journal.created', 'journal.updated'] as const) {
    onClose(
      bus.subscribe(type, (e) => send({ type, entry: journalEntryView(e.entry), unreadMissed: e.unreadMissed }), {
        userId,
      }),
    );
  }
  onClose(
    bus.subscribe('journal.read', (e) => send({ type: 'journal.read', unreadMissed: e.unreadMissed }), { userId }),
  );
};
