import type { Call } from '@parley/api';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import { ActionStatus, useAction } from '../admin/ui';
import { isIncoming, partyLabel } from './calls-store';

/** One call ringing at the user's phone: who calls (resolved name and company), Answer and Decline. */
function Incoming({ call }: { call: Call }) {
  const services = useServices();
  const { t } = useI18n();
  const [state, run] = useAction();
  const who = partyLabel(call.caller);
  return (
    <div className="banner incoming" data-testid="incoming-call" data-call={call.id}>
      <span>{t('phone.incoming', { who })}</span>
      <button
        type="button"
        className="primary"
        disabled={state.kind === 'busy'}
        onClick={() => void run(() => services.calls.act('calls.answer', call.id, {}))}
      >
        {t('phone.answer')}
      </button>
      <button
        type="button"
        disabled={state.kind === 'busy'}
        onClick={() => void run(() => services.calls.act('calls.clear', call.id, {}))}
      >
        {t('phone.decline')}
      </button>
      {state.kind === 'error' && <ActionStatus state={state} />}
    </div>
  );
}

/**
 * Above the sections: the calls ringing at the user (live from the event socket, announced to
 * screen readers) and why the last click-to-call was refused.
 */
export function CallBanner() {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const calls = useStore(services.calls.calls, (c) => c);
  const failure = useStore(services.calls.failure, (f) => f);
  const incoming = calls.filter((c) => isIncoming(c, me));
  return (
    <section className="banner-slot" aria-label={t('phone.banner')}>
      <div role="status" aria-live="assertive">
        {incoming.map((c) => (
          <Incoming key={c.id} call={c} />
        ))}
      </div>
      {failure !== null && (
        <div className="banner error" role="alert" data-testid="call-failure">
          <span>{t('phone.callFailed', { reason: errorText(failure, t) })}</span>
          <button type="button" onClick={() => services.calls.dismissFailure()}>
            {t('presence.close')}
          </button>
        </div>
      )}
    </section>
  );
}
