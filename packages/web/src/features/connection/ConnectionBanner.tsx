import { useEffect, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';

/** Shown while the event socket is down after having been up (or failing from the start). */
export function ConnectionBanner() {
  const { events } = useServices();
  const { t } = useI18n();
  const link = useStore(events.state, (s) => s);
  const [now, setNow] = useState(Date.now());
  const lost = link.status !== 'online' && (link.everOnline || link.failures > 0);

  useEffect(() => {
    if (!lost) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [lost]);

  const seconds = link.retryAt ? Math.max(1, Math.ceil((link.retryAt - now) / 1000)) : null;
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {lost && (
        <div className="banner" data-testid="connection-banner">
          <span>
            {link.status === 'offline' && seconds !== null
              ? t('connection.lost', { n: seconds })
              : t('connection.connecting')}
          </span>
          {link.status === 'offline' && (
            <button type="button" onClick={events.retryNow}>
              {t('connection.retry')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
