import { callBackView } from '../../views/callbacks.js';
import type { EventStream } from './stream.js';

/** The user's call-backs: requested, ringing their line, done, expired, cancelled (in any client, REST or CSTA). */
export const callBackStream: EventStream = ({ core, principal, send, onClose }) => {
  onClose(
    core.ctx.bus.subscribe(
      'callback.changed',
      async (e) =>
        send({
          type: 'callback.changed',
          status: e.status,
          callBack: await callBackView(core, e.callBack),
          ...(e.callId !== undefined && { callId: e.callId }),
        }),
      { userId: principal.session.userId },
    ),
  );
};
