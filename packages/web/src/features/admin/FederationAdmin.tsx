import {
  type FederationCheckResult,
  type FederationCheckStep,
  TrustLevel as Levels,
  type TrustLevel,
} from '@parley/api';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { type I18n, type MessageKey, useI18n } from '../../i18n';
import { en } from '../../i18n/en';
import { useStore } from '../../lib/store';
import { useAdmin } from './Admin';
import { ActionStatus, ErrorScope, Field, useAction } from './ui';

const levels = Levels.options;

function LevelSelect({
  value,
  onChange,
  label,
  id,
}: {
  value: TrustLevel;
  onChange: (l: TrustLevel) => void;
  label?: string;
  id?: string;
}) {
  const { t } = useI18n();
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value as TrustLevel)}>
      {levels.map((l) => (
        <option key={l} value={l}>
          {t(`federation.level.${l}`)}
        </option>
      ))}
    </select>
  );
}

/** A domain's name to list or to check (at most 253 characters, as DNS allows). */
function DomainField({ value, onChange }: { value: string; onChange: (domain: string) => void }) {
  const { t } = useI18n();
  return (
    <Field name="domain" label={t('federation.domain')} hint={t('federation.domainHint')}>
      {(control) => (
        <input
          {...control}
          required
          maxLength={253}
          autoComplete="off"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** The domain as the API takes it. */
const domainName = (typed: string) => typed.trim().toLowerCase();

/** A step's outcome in the reader's language (the server's English when the code is new to the app). */
const stepText = (s: FederationCheckStep, t: I18n['t']) => {
  const key = `fedcheck.${s.code}`;
  return key in en ? t(key as MessageKey, s.detail) : s.message;
};

/** The diagnostics: every step of a federation check with its outcome, the failed one said first. */
function CheckResult({ result }: { result: FederationCheckResult }) {
  const { t } = useI18n();
  const failed = result.steps.find((s) => s.outcome === 'failed');
  return (
    <div data-testid="federation-check">
      <p role="status" className={failed ? 'error' : undefined}>
        {failed
          ? t('federation.checkFailed', { domain: result.domain, step: t(`federation.step.${failed.step}`) })
          : t('federation.checkOk', { domain: result.domain })}
      </p>
      <ol className="check-steps">
        {result.steps.map((s) => (
          <li key={s.step} data-step={s.step} data-outcome={s.outcome}>
            <strong>{t(`federation.step.${s.step}`)}</strong>: {t(`federation.outcome.${s.outcome}`)} — {stepText(s, t)}
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * The tenant's federation trust: the level of domains not listed, each listed domain's level
 * (changed in place, removable), a form that lists one, and the check of a domain step by step.
 */
export function FederationAdmin() {
  const admin = useAdmin();
  const { t } = useI18n();
  const trust = useStore(admin.federation, (f) => f);
  const [state, run] = useAction();
  const [checkState, runCheck] = useAction();
  const [fallback, setFallback] = useState<TrustLevel | null>(null);
  const [domain, setDomain] = useState('');
  const [level, setLevel] = useState<TrustLevel>('trusted');
  const [checkDomain, setCheckDomain] = useState('');
  const [result, setResult] = useState<FederationCheckResult | null>(null);
  const defaultId = useId();
  const levelId = useId();
  const busy = state.kind === 'busy';

  useEffect(() => {
    void run(() => admin.loadFederation());
  }, [admin, run]);

  const defaultLevel = fallback ?? trust?.defaultLevel ?? 'public';
  const levelName = (l: TrustLevel) => t(`federation.level.${l}`);

  const add = (e: FormEvent) => {
    e.preventDefault();
    const name = domainName(domain);
    void run(
      async () => {
        await admin.setTrust(name, level);
        setDomain('');
      },
      t('federation.saved', { domain: name, level: levelName(level) }),
    );
  };
  const check = (e: FormEvent) => {
    e.preventDefault();
    const name = domainName(checkDomain);
    setResult(null);
    void runCheck(async () => setResult(await admin.checkFederation(name)));
  };

  return (
    <div className="federation" data-testid="federation">
      <p className="muted">{t('federation.intro')}</p>
      <form
        className="pickup-group"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            () => admin.setDefaultTrust(defaultLevel),
            t('federation.defaultSaved', { level: levelName(defaultLevel) }),
          );
        }}
      >
        <label htmlFor={defaultId}>{t('federation.default')}</label>
        <LevelSelect id={defaultId} value={defaultLevel} onChange={setFallback} />
        <button type="submit" disabled={busy}>
          {t('federation.defaultSave')}
        </button>
      </form>
      <h3 className="group-title">{t('federation.domains')}</h3>
      {!trust || trust.domains.length === 0 ? (
        <p className="muted">{t('federation.none')}</p>
      ) : (
        <ul className="device-list" aria-label={t('federation.domains')}>
          {trust.domains.map((d) => (
            <li key={d.domain} className="device" data-domain={d.domain}>
              <strong className="device-name">{d.domain}</strong>
              <LevelSelect
                label={t('federation.levelOf', { domain: d.domain })}
                value={d.level}
                onChange={(l) =>
                  void run(
                    () => admin.setTrust(d.domain, l),
                    t('federation.saved', { domain: d.domain, level: levelName(l) }),
                  )
                }
              />
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  aria-label={t('federation.removeOf', { domain: d.domain })}
                  onClick={() =>
                    void run(() => admin.removeTrust(d.domain), t('federation.removed', { domain: d.domain }))
                  }
                >
                  {t('federation.remove')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <ErrorScope state={state} concerns="domain">
        <form className="device-add" onSubmit={add} aria-label={t('federation.set')}>
          <div className="form-grid">
            <DomainField value={domain} onChange={setDomain} />
            <div className="field">
              <label htmlFor={levelId}>{t('federation.level')}</label>
              <LevelSelect id={levelId} value={level} onChange={setLevel} />
            </div>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t('federation.set')}
            </button>
          </div>
        </form>
        <ActionStatus state={state} testId="federation-status" />
      </ErrorScope>
      <h3 className="group-title">{t('federation.checkTitle')}</h3>
      <ErrorScope state={checkState} concerns="domain">
        <form className="device-add" onSubmit={check} aria-label={t('federation.checkTitle')}>
          <div className="form-grid">
            <DomainField value={checkDomain} onChange={setCheckDomain} />
          </div>
          <div className="actions">
            <button type="submit" disabled={checkState.kind === 'busy'}>
              {t('federation.check')}
            </button>
          </div>
        </form>
        {checkState.kind === 'busy' && <p role="status">{t('federation.checking', { domain: checkDomain.trim() })}</p>}
        {checkState.kind === 'error' && <ActionStatus state={checkState} testId="federation-check-status" />}
      </ErrorScope>
      {result && <CheckResult result={result} />}
    </div>
  );
}
