import { callEventTypes } from '../../../core/calls/model.js';
import { callView } from '../../views/calls.js';
import type { EventStream } from './stream.js';

/** The calls the user has a connection in: every CSTA event, with the whole call as they see it. */
export const callsStream: EventStream = ({ core, principal, send, onClose }) => {
  const userId = principal.session.userId;
  for (const type of callEventTypes)
    onClose(
      core.ctx.bus.subscribe(
        type,
        (e) => send({ type, call: callView(e.call, userId), connectionId: e.connectionId, cause: e.cause }),
        { userId },
      ),
    );
};
