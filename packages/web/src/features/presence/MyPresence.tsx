import type { PresenceState } from '@parley/api';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import { Badge, presenceText } from './PresenceBadge';
import type { MyPresence } from './presence-store';

type Availability = PresenceState['availability'];
type Context = NonNullable<PresenceState['context']>;
const availabilities: Availability[] = ['available', 'away', 'busy', 'dnd', 'offline'];
const contexts: Context[] = ['office', 'home-office', 'business-trip', 'vacation', 'break'];

/** `2026-11-03T14:30` in local time, for <input type="datetime-local">. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The header button with the user's own presence; opens the selector. */
export function MyPresenceButton() {
  const services = useServices();
  const i18n = useI18n();
  const mine = useStore(services.presence.state, (s) => s.mine);
  const dialog = useRef<HTMLDialogElement>(null);
  const availability = mine?.presence.availability ?? 'offline';
  const text = mine ? mine.presence.text : i18n.t('app.loading');
  return (
    <>
      <button
        type="button"
        className="my-presence"
        aria-haspopup="dialog"
        aria-label={i18n.t('presence.open', { text })}
        onClick={() => dialog.current?.showModal()}
      >
        <Badge availability={availability} />
        <span className="my-presence-text" data-testid="my-presence-text">
          {text}
        </span>
      </button>
      <dialog ref={dialog} className="sheet" aria-labelledby="presence-title">
        {mine && <PresenceForm mine={mine} close={() => dialog.current?.close()} />}
      </dialog>
    </>
  );
}

function PresenceForm({ mine, close }: { mine: MyPresence; close: () => void }) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const manual = mine.manual;
  const [availability, setAvailability] = useState<Availability | 'auto'>(manual?.availability ?? 'auto');
  const [note, setNote] = useState(manual?.note ?? '');
  const [until, setUntil] = useState(localInput(manual?.until));
  const [context, setContext] = useState<Context | ''>(manual?.context ?? '');
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'saved' | 'error'; text?: string }>({
    kind: 'idle',
  });

  // The form follows the stored manual state when it changes elsewhere (another device).
  useEffect(() => {
    setAvailability(manual?.availability ?? 'auto');
    setNote(manual?.note ?? '');
    setUntil(localInput(manual?.until));
    setContext(manual?.context ?? '');
  }, [manual]);

  const run = async (fn: () => Promise<void>) => {
    setStatus({ kind: 'busy' });
    try {
      await fn();
      setStatus({ kind: 'saved', text: t('presence.saved') });
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err, t) });
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const untilIso = until ? new Date(until).toISOString() : null;
    if (untilIso && Date.parse(untilIso) <= Date.now()) {
      setStatus({ kind: 'error', text: t('presence.untilPast') });
      return;
    }
    const empty = availability === 'auto' && !note.trim() && !untilIso && !context;
    void run(() =>
      empty
        ? services.presence.reset()
        : services.presence.save({
            availability: availability === 'auto' ? null : availability,
            note: note.trim() || null,
            until: untilIso,
            context: context || null,
          }),
    );
  };

  return (
    <form className="presence-form" onSubmit={submit}>
      <h2 id="presence-title">{t('presence.title')}</h2>
      <fieldset>
        <legend>{t('presence.availability')}</legend>
        <label className="choice">
          <input
            type="radio"
            name="availability"
            value="auto"
            checked={availability === 'auto'}
            onChange={() => setAvailability('auto')}
          />
          <span>
            {t('presence.automatic')} <small>{t('presence.automaticHint')}</small>
          </span>
        </label>
        {availabilities.map((a) => (
          <label className="choice" key={a}>
            <input
              type="radio"
              name="availability"
              value={a}
              checked={availability === a}
              onChange={() => setAvailability(a)}
            />
            <Badge availability={a} />
            <span>{t(`presence.${a}`)}</span>
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-note`}>{t('presence.note')}</label>
      <input
        id={`${id}-note`}
        name="note"
        maxLength={500}
        value={note}
        placeholder={t('presence.notePlaceholder')}
        onChange={(e) => setNote(e.target.value)}
      />
      <div className="row">
        <div>
          <label htmlFor={`${id}-until`}>{t('presence.until')}</label>
          <input
            id={`${id}-until`}
            name="until"
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={`${id}-context`}>{t('presence.context')}</label>
          <select
            id={`${id}-context`}
            name="context"
            value={context}
            onChange={(e) => setContext(e.target.value as Context | '')}
          >
            <option value="">{t('presence.context.none')}</option>
            {contexts.map((c) => (
              <option key={c} value={c}>
                {t(`presence.context.${c}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <output className="presence-result" aria-live="polite">
        <span className="label">{t('presence.result')}</span>
        <span className="value">
          <Badge availability={mine.presence.availability} />
          <span data-testid="computed-presence">{presenceText({ ...mine.presence }, i18n)}</span>
        </span>
      </output>
      <p className={`form-status ${status.kind}`} role={status.kind === 'error' ? 'alert' : 'status'}>
        {status.text ?? ''}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={status.kind === 'busy'}>
          {t('presence.save')}
        </button>
        <button
          type="button"
          disabled={status.kind === 'busy' || !manual}
          onClick={() => void run(() => services.presence.reset())}
        >
          {t('presence.reset')}
        </button>
        <button type="button" onClick={close}>
          {t('presence.close')}
        </button>
      </div>
    </form>
  );
}
