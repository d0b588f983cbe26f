import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';

/**
 * Click to call: MakeCall to `to` (a number or an address), then the phone panel, where the call
 * shows. A refusal shows in the call banner's alert (`CallsStore.failure`). `name` names whom it
 * calls for screen readers.
 */
export function CallButton({ to, name }: { to: string; name: string }) {
  const services = useServices();
  const { t } = useI18n();
  const label = t('phone.callTo', { name });
  return (
    <button
      type="button"
      className="icon-button call-button"
      aria-label={label}
      title={label}
      data-call-to={to}
      onClick={() =>
        void services.calls.make(to).then(
          () => navigate(paths.calls),
          () => undefined,
        )
      }
    >
      <span aria-hidden="true">✆</span>
    </button>
  );
}
