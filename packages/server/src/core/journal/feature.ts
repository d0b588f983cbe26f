import type { Feature } from '../feature.js';

/** The call journal: this node writes the entries of the calls it switches. */
export const journalFeature: Feature = {
  name: 'journal',
  setup(ctx) {
    const { journal } = ctx.core;
    // Stopping undoes in reverse: no new calls are watched, then the entries under way are written.
    ctx.onStop(() => journal.idle());
    ctx.onStop(journal.listen());
  },
};
