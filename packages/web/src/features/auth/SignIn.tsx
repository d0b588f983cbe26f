import { type FormEvent, useEffect, useId, useState } from 'react';
import { lastUser, SignInError, signIn } from '../../app/session';
import { useI18n } from '../../i18n';
import { LanguagePicker } from '../settings/Settings';

/** The sign-in page, with errors that say what to do (including how long throttling lasts). */
export function SignIn({ notice }: { notice: 'expired' | 'signed-out' | null }) {
  const { t } = useI18n();
  const id = useId();
  const [user, setUser] = useState(lastUser);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SignInError | null>(null);
  const [now, setNow] = useState(Date.now());

  const waitUntil = error?.retryAt ?? null;
  useEffect(() => {
    if (waitUntil === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [waitUntil]);
  const wait = waitUntil === null ? 0 : Math.max(0, Math.ceil((waitUntil - now) / 1000));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(user, password);
    } catch (err) {
      setError(err instanceof SignInError ? err : new SignInError('signin.error.network'));
      setBusy(false);
    }
  };

  const message = !error
    ? null
    : error.key === 'signin.error.throttled'
      ? wait > 0
        ? t('signin.error.throttled', { n: wait })
        : t('signin.error.throttledNow')
      : t(error.key, error.vars);

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-describedby={message ? `${id}-error` : undefined}>
        <div className="brand" aria-hidden="true">
          <img src="/favicon.svg" alt="" width="40" height="40" />
        </div>
        <h1>{t('signin.title')}</h1>
        {notice && !error && (
          <p className="notice" role="status">
            {t(notice === 'expired' ? 'signin.expired' : 'signin.signedOut')}
          </p>
        )}
        <label htmlFor={`${id}-user`}>{t('signin.user')}</label>
        <input
          id={`${id}-user`}
          name="username"
          type="text"
          inputMode="email"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          placeholder={t('signin.userHint')}
          value={user}
          onChange={(e) => setUser(e.target.value)}
        />
        <label htmlFor={`${id}-password`}>{t('signin.password')}</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          // biome-ignore lint/a11y/noAutofocus: the one thing to do on this page, once the address is known
          autoFocus={user !== ''}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id={`${id}-error`} className="error" role="alert" data-testid="signin-error">
          {message ?? ''}
        </p>
        <button type="submit" className="primary" disabled={busy || wait > 0}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
        <LanguagePicker />
      </form>
    </main>
  );
}
