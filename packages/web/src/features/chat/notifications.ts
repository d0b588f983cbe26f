import { local } from '../../lib/local';
import { Store } from '../../lib/store';

const KEY = 'parley.notifications';

export type NotificationState = 'unsupported' | 'off' | 'on' | 'blocked';

const supported = () => typeof window.Notification === 'function';

function current(): NotificationState {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return local.get(KEY) === 'on' && Notification.permission === 'granted' ? 'on' : 'off';
}

/**
 * Desktop notifications for new messages: off until the user turns them on in the settings,
 * which is when the browser asks for permission (never on load).
 */
export const notificationStore = new Store<NotificationState>(current());

export async function setNotifications(on: boolean): Promise<void> {
  if (!supported()) return;
  if (on && Notification.permission !== 'granted') await Notification.requestPermission();
  local.set(KEY, on && Notification.permission === 'granted' ? 'on' : null);
  notificationStore.set(current());
}

/** Shows a notification when they are on; a click brings the tab forward and runs `open`. */
export function notify(title: string, body: string, tag: string, open: () => void): void {
  if (notificationStore.get() !== 'on' || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, lang: document.documentElement.lang });
    n.onclick = () => {
      window.focus();
      open();
      n.close();
    };
  } catch {
    // e.g. Chrome on Android allows notifications only from a service worker
  }
}
