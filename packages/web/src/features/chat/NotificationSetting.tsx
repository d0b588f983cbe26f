import { useId, useState } from 'react';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { notificationStore, setNotifications } from './notifications';

/** The settings toggle for desktop notifications; turning it on is when the browser asks. */
export function NotificationSetting() {
  const { t } = useI18n();
  const id = useId();
  const state = useStore(notificationStore, (s) => s);
  // While the browser asks, the box shows the choice being made.
  const [asking, setAsking] = useState<boolean | null>(null);
  const toggle = async (on: boolean) => {
    setAsking(on);
    try {
      await setNotifications(on);
    } finally {
      setAsking(null);
    }
  };
  return (
    <div className="notification-setting">
      <label className="choice" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={asking ?? state === 'on'}
          disabled={asking !== null || state === 'unsupported' || state === 'blocked'}
          aria-describedby={state === 'blocked' || state === 'unsupported' ? `${id}-hint` : undefined}
          onChange={(e) => void toggle(e.target.checked)}
        />
        <span>{t('settings.notifications')}</span>
      </label>
      {(state === 'blocked' || state === 'unsupported') && (
        <p id={`${id}-hint`} className="hint">
          {t(state === 'blocked' ? 'settings.notificationsBlocked' : 'settings.notificationsUnsupported')}
        </p>
      )}
    </div>
  );
}
