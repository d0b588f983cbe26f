import type { Line, User } from '@parley/api';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { ConfirmDialog } from '../chat/ConfirmDialog';
import { useAdmin } from './Admin';
import { ActionStatus, ErrorScope, Field, useAction } from './ui';

/** A line's pickup group, changed in place (empty: out of its group). */
function PickupGroup({ line }: { line: Line }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const [state, run] = useAction();
  const [group, setGroup] = useState(line.pickupGroup ?? '');
  const id = useId();
  const save = (e: FormEvent) => {
    e.preventDefault();
    const pickupGroup = group.trim() || null;
    void run(
      () => admin.setPickupGroup(line, pickupGroup),
      pickupGroup
        ? t('lines.groupSet', { number: line.number, group: pickupGroup })
        : t('lines.groupCleared', { number: line.number }),
    );
  };
  return (
    <form className="pickup-group" onSubmit={save}>
      <label htmlFor={id}>{t('lines.group')}</label>
      <input id={id} maxLength={32} autoComplete="off" value={group} onChange={(e) => setGroup(e.target.value)} />
      <button type="submit" disabled={state.kind === 'busy' || group.trim() === (line.pickupGroup ?? '')}>
        {t('lines.groupSave')}
      </button>
      {state.kind !== 'idle' && <ActionStatus state={state} concerns="pickupGroup" />}
    </form>
  );
}

/**
 * A user's lines in the admin's user editor: each extension with its DID and pickup group,
 * removable (asked first), and a form that adds one. A number the server refuses because dialling
 * it would reach another line is said at the extension field.
 */
export function UserLines({ user }: { user: User }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const titleId = useId();
  const all = useStore(admin.lines, (s) => s.items);
  const lines = useMemo(() => all.filter((l) => l.userId === user.id), [all, user.id]);
  const [state, run] = useAction();
  const [number, setNumber] = useState('');
  const [did, setDid] = useState('');
  const [asking, setAsking] = useState<Line | null>(null);
  const busy = state.kind === 'busy';

  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(
      async () => {
        const line = await admin.addLine({ number: number.trim(), user: user.id, did: did.trim() || undefined });
        setNumber('');
        setDid('');
        return line;
      },
      (line) => t('lines.added', { number: line.number }),
    );
  };

  const remove = () => {
    if (!asking) return;
    const line = asking;
    void run(() => admin.removeLine(line), t('lines.removed', { number: line.number }));
  };

  return (
    <section className="lines" aria-labelledby={titleId} data-testid="lines">
      <h3 id={titleId} className="group-title">
        {t('lines.title')}
      </h3>
      <p className="muted">{t('lines.intro')}</p>
      {lines.length === 0 ? (
        <p className="muted">{t('lines.none')}</p>
      ) : (
        <ul className="device-list" aria-label={t('lines.list', { name: user.displayName })}>
          {lines.map((l) => (
            <li key={l.id} className="device" data-line={l.number}>
              <strong className="device-name">{l.number}</strong>
              <span className={l.did ? undefined : 'muted'}>{l.did ?? t('lines.noDid')}</span>
              <PickupGroup line={l} />
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  aria-label={t('lines.removeOf', { number: l.number })}
                  onClick={() => setAsking(l)}
                >
                  {t('lines.remove')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <ErrorScope state={state} concerns="number">
        <form className="device-add" onSubmit={add} aria-label={t('lines.add')}>
          <div className="form-grid">
            <Field name="number" label={t('lines.number')} hint={t('lines.numberHint')}>
              {(control) => (
                <input
                  {...control}
                  required
                  inputMode="numeric"
                  maxLength={15}
                  autoComplete="off"
                  value={number}
                  onChange={(e) => setNumber(e.target.value)}
                />
              )}
            </Field>
            <Field name="did" label={t('lines.did')} hint={t('lines.didHint')}>
              {(control) => (
                <input
                  {...control}
                  type="tel"
                  maxLength={40}
                  autoComplete="off"
                  value={did}
                  onChange={(e) => setDid(e.target.value)}
                />
              )}
            </Field>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t('lines.add')}
            </button>
          </div>
        </form>
        <ActionStatus state={state} testId="lines-status" />
      </ErrorScope>
      {asking && (
        <ConfirmDialog
          open
          title={t('lines.removeTitle')}
          confirm={t('lines.remove')}
          onConfirm={remove}
          onClose={() => setAsking(null)}
        >
          {t('lines.removeConfirm', { number: asking.number, name: user.displayName })}
        </ConfirmDialog>
      )}
    </section>
  );
}
