import { callSettingsView } from '../../views/call-settings.js';
import type { EventStream } from './stream.js';

/** The user's call settings after each change (over REST, CSTA or in another of their clients). */
export const callSettingsStream: EventStream = ({ core, principal, send, onClose }) => {
  onClose(
    core.ctx.bus.subscribe(
      'callsettings.changed',
      (e) => send({ type: 'callsettings.changed', settings: callSettingsView(e.settings) }),
      { userId: principal.session.userId },
    ),
  );
};
