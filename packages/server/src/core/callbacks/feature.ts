import type { Feature } from '../feature.js';
import { CALL_BACK_LEASE } from './service.js';

/** How often the serving node looks at the pending call-backs (line changes it sees at once). */
const SWEEP_MS = 1000;

/**
 * Call-backs: the node holding the `call-backs` lease serves them (another takes over when it
 * dies: the requests are in the store), ringing through this node's switch. It watches a new
 * request's lines as soon as it hears of it, and looks at every pending one each round.
 */
export const callBacksFeature: Feature = {
  name: 'call-backs',
  async setup(ctx) {
    const { callBacks, control } = ctx.core;
    const { cluster } = ctx.core.ctx;
    ctx.onStop(
      callBacks.attach(
        (o) => control.ringBack(o),
        () => control.switching,
      ),
    );
    ctx.onStop(() => callBacks.stopServing());
    ctx.subscribe('call.cleared', (e) => callBacks.ended(e.call));
    ctx.subscribe('callback.changed', (e) => {
      if (e.status === 'requested' && cluster.holds(CALL_BACK_LEASE)) callBacks.follow(e.callBack);
    });
    const round = async () => {
      if (cluster.holds(CALL_BACK_LEASE)) await callBacks.sweep();
      else callBacks.stopServing();
    };
    cluster.want(CALL_BACK_LEASE);
    ctx.every(SWEEP_MS, round);
    // The pending requests (of before a restart) are watched from the start.
    await round();
  },
};
