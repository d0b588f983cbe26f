import { type CallSettings, noAnswerSeconds } from '@parley/api';
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { ActionStatus, ErrorScope, Field, useAction } from '../admin/ui';

type RuleType = keyof CallSettings['forwarding'];
const ruleTypes: RuleType[] = ['immediate', 'busy', 'noAnswer'];

/** A form's fields: what the server holds until the user edits them, then theirs until saved. */
interface Draft {
  enabled: boolean;
  to: string;
  afterSeconds: string;
}

const draftOf = (rule: { enabled: boolean; to: string | null; afterSeconds?: number }): Draft => ({
  enabled: rule.enabled,
  to: rule.to ?? '',
  afterSeconds: String(rule.afterSeconds ?? noAnswerSeconds.default),
});

/**
 * The form's fields, following the server's value (a change in another client or over CTI) until
 * the user edits them; `saved` takes the server's value again (as stored: trimmed, lower-case addresses).
 */
function useDraft(server: Draft): [Draft, (d: Partial<Draft>) => void, (next: Draft) => void] {
  const [draft, setDraft] = useState(server);
  const [dirty, setDirty] = useState(false);
  const key = JSON.stringify(server);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `server`
  useEffect(() => {
    if (!dirty) setDraft(server);
  }, [key]);
  const edit = (d: Partial<Draft>) => {
    setDirty(true);
    setDraft((prev) => ({ ...prev, ...d }));
  };
  const saved = (next: Draft) => {
    setDirty(false);
    setDraft(next);
  };
  return [draft, edit, saved];
}

/**
 * One setting's form: its name, a hint, the "on" switch, its fields (`children`), what saving gave
 * and the Save button. `save` sends the draft and returns the setting as the server now holds it.
 */
function SettingForm({
  name,
  legend,
  hint,
  server,
  save,
  children,
}: {
  name: string;
  legend: string;
  hint?: string;
  server: Draft;
  save: (draft: Draft) => Promise<Draft | null>;
  children: (draft: Draft, edit: (d: Partial<Draft>) => void) => ReactNode;
}) {
  const { t } = useI18n();
  const [state, run] = useAction();
  const [draft, edit, saved] = useDraft(server);
  const legendId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const now = await save(draft);
      if (now) saved(now);
    }, t('calls.saved'));
  };
  return (
    <form className="call-rule" onSubmit={submit} aria-labelledby={legendId} data-rule={name}>
      <ErrorScope state={state}>
        <fieldset>
          <legend id={legendId}>{legend}</legend>
          {hint && <small className="field-hint">{hint}</small>}
          <label className="choice">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => edit({ enabled: e.target.checked })} />
            <span>{t('calls.on')}</span>
          </label>
          {children(draft, edit)}
          <ActionStatus state={state} testId={`calls-${name}-status`} />
          <div className="actions">
            <button type="submit" disabled={state.kind === 'busy'}>
              {t('calls.save')}
            </button>
          </div>
        </fieldset>
      </ErrorScope>
    </form>
  );
}

/** One forwarding rule: on or off, where to, and for "no answer" after how long. */
function RuleForm({ type, rule }: { type: RuleType; rule: CallSettings['forwarding'][RuleType] }) {
  const { callSettings } = useServices();
  const { t } = useI18n();
  const save = async (draft: Draft) => {
    const to = draft.to.trim() || null;
    await callSettings.setForwarding(
      type === 'noAnswer'
        ? { noAnswer: { enabled: draft.enabled, to, afterSeconds: Number(draft.afterSeconds) } }
        : { [type]: { enabled: draft.enabled, to } },
    );
    const now = callSettings.state.get();
    return now && draftOf(now.forwarding[type]);
  };
  return (
    <SettingForm
      name={type}
      legend={t(`calls.${type}`)}
      {...(type === 'immediate' && { hint: t('calls.immediateHint') })}
      server={draftOf(rule)}
      save={save}
    >
      {(draft, edit) => (
        <>
          <Field label={t('calls.to')} hint={t('calls.toHint')} name="to">
            {(control) => (
              <input {...control} value={draft.to} maxLength={256} onChange={(e) => edit({ to: e.target.value })} />
            )}
          </Field>
          {type === 'noAnswer' && (
            <Field
              label={t('calls.afterSeconds')}
              hint={t('calls.afterSecondsHint', { min: noAnswerSeconds.min, max: noAnswerSeconds.max })}
              name="afterSeconds"
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={noAnswerSeconds.min}
                  max={noAnswerSeconds.max}
                  value={draft.afterSeconds}
                  onChange={(e) => edit({ afterSeconds: e.target.value })}
                />
              )}
            </Field>
          )}
        </>
      )}
    </SettingForm>
  );
}

/** An external number that rings together with the user's phones. */
function RemoteOfficeForm({ remote }: { remote: CallSettings['remoteOffice'] }) {
  const { callSettings } = useServices();
  const { t } = useI18n();
  const draftOfRemote = (r: CallSettings['remoteOffice']) => draftOf({ enabled: r.enabled, to: r.number });
  const save = async (draft: Draft) => {
    await callSettings.setRemoteOffice({ enabled: draft.enabled, number: draft.to.trim() || null });
    const now = callSettings.state.get();
    return now && draftOfRemote(now.remoteOffice);
  };
  return (
    <SettingForm
      name="remoteOffice"
      legend={t('calls.remoteOffice')}
      hint={t('calls.remoteOfficeHint')}
      server={draftOfRemote(remote)}
      save={save}
    >
      {(draft, edit) => (
        <Field label={t('calls.number')} name="number">
          {(control) => (
            <input
              {...control}
              type="tel"
              value={draft.to}
              maxLength={256}
              onChange={(e) => edit({ to: e.target.value })}
            />
          )}
        </Field>
      )}
    </SettingForm>
  );
}

/** Do not disturb: switched at once; shows the choice while it is on its way, then what the server holds. */
function DndSwitch({ on }: { on: boolean }) {
  const { callSettings } = useServices();
  const { t } = useI18n();
  const [state, run] = useAction();
  const [asking, setAsking] = useState<boolean | null>(null);
  const hintId = useId();
  return (
    <div className="call-dnd">
      <label className="choice">
        <input
          type="checkbox"
          checked={asking ?? on}
          disabled={state.kind === 'busy'}
          aria-describedby={hintId}
          onChange={(e) => {
            const enabled = e.target.checked;
            setAsking(enabled);
            void run(() => callSettings.setDnd(enabled), t(enabled ? 'calls.dndOn' : 'calls.dndOff')).finally(() =>
              setAsking(null),
            );
          }}
        />
        <span>{t('calls.dnd')}</span>
      </label>
      <small id={hintId} className="field-hint">
        {t('calls.dndHint')}
      </small>
      <ActionStatus state={state} testId="calls-dnd-status" />
    </div>
  );
}

/**
 * The user's call settings in the settings sheet: do not disturb, the three forwarding rules and
 * remote office, live from `callsettings.changed` (a change in another client or by a CTI
 * application shows here at once). Loaded afresh each time it opens.
 */
export function CallSettingsPanel() {
  const { callSettings } = useServices();
  const { t } = useI18n();
  const settings = useStore(callSettings.state, (s) => s);
  const titleId = useId();
  useEffect(() => {
    void callSettings.load();
  }, [callSettings]);
  return (
    <section className="call-settings" aria-labelledby={titleId} data-testid="call-settings">
      <h3 id={titleId} className="group-title">
        {t('calls.title')}
      </h3>
      <p className="muted">{t('calls.intro')}</p>
      {settings === null ? (
        <p className="muted">{t('app.loading')}</p>
      ) : (
        <>
          <DndSwitch on={settings.dnd} />
          {ruleTypes.map((type) => (
            <RuleForm key={type} type={type} rule={settings.forwarding[type]} />
          ))}
          <RemoteOfficeForm remote={settings.remoteOffice} />
        </>
      )}
    </section>
  );
}
