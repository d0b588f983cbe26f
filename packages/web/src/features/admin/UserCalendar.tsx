import type { Calendar, User } from '@parley/api';
import { type FormEvent, useEffect, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { ParleyApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { ActionStatus, ErrorScope, Field, useAction, useWhen } from './ui';

/** While a new calendar waits for its first poll, its state is asked for this often. */
const FIRST_POLL_CHECK_MS = 1000;
/** The longest wait before the state is asked for again. */
const MAX_CHECK_MS = 10 * 60_000;

type Loaded =
  | { status: 'loading' }
  | { status: 'none' }
  | { status: 'ready'; calendar: Calendar }
  | { status: 'failed'; error: unknown };

/**
 * A user's calendar connection (CalDAV or an ICS URL), which feeds their presence: its state,
 * poll now, disconnect, or connect another. The password is sent, never shown. The state is live:
 * asked for again when the server's next poll is due (for a new calendar every second until its
 * first poll is done; the server has no event for it).
 */
export function UserCalendar({ user }: { user: User }) {
  const { api } = useServices();
  const { t } = useI18n();
  const when = useWhen();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [state, run] = useAction();
  const [form, setForm] = useState({ type: 'caldav' as Calendar['type'], url: '', username: '', password: '' });

  useEffect(() => {
    let live = true;
    api.request('admin.users.calendar.get', { params: { id: user.id } }).then(
      (calendar) => live && setLoaded({ status: 'ready', calendar }),
      (error) =>
        live &&
        setLoaded(
          error instanceof ParleyApiError && error.status === 404 ? { status: 'none' } : { status: 'failed', error },
        ),
    );
    return () => {
      live = false;
    };
  }, [api, user.id]);

  useEffect(() => {
    if (loaded.status !== 'ready') return;
    const { nextAttemptAt } = loaded.calendar;
    const due = nextAttemptAt === null ? 0 : Date.parse(nextAttemptAt) - Date.now() + 1000;
    const timer = setTimeout(
      () =>
        api.request('admin.users.calendar.get', { params: { id: user.id } }).then(
          (calendar) => setLoaded((l) => (l === loaded ? { status: 'ready', calendar } : l)),
          // Gone meanwhile, or the server away: asked again after the same wait.
          () => setLoaded((l) => (l === loaded ? { ...loaded } : l)),
        ),
      Math.min(Math.max(due, FIRST_POLL_CHECK_MS), MAX_CHECK_MS),
    );
    return () => clearTimeout(timer);
  }, [api, user.id, loaded]);

  const connect = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const calendar = await api.request('admin.users.calendar.put', {
        params: { id: user.id },
        body:
          form.type === 'caldav'
            ? { type: 'caldav', url: form.url.trim(), username: form.username, password: form.password }
            : { type: 'ics', url: form.url.trim() },
      });
      setLoaded({ status: 'ready', calendar });
      setForm({ ...form, password: '' });
    }, t('admin.calendar.connected'));
  };
  const sync = () =>
    void run(async () => {
      const calendar = await api.request('admin.users.calendar.sync', { params: { id: user.id } });
      setLoaded({ status: 'ready', calendar });
    }, t('admin.calendar.synced'));
  const disconnect = () =>
    void run(async () => {
      await api.request('admin.users.calendar.delete', { params: { id: user.id } });
      setLoaded({ status: 'none' });
    }, t('admin.calendar.disconnected'));

  return (
    <section className="user-calendar" aria-label={t('admin.calendar.title')} data-testid="user-calendar">
      <h3 className="group-title">{t('admin.calendar.title')}</h3>
      {loaded.status === 'loading' && <p className="muted">{t('app.loading')}</p>}
      {loaded.status === 'failed' && <p className="form-status error">{errorText(loaded.error, t)}</p>}
      {loaded.status === 'none' && <p className="muted">{t('admin.calendar.none')}</p>}
      {loaded.status === 'ready' && (
        <dl className="facts">
          <dt>{t('admin.calendar.type')}</dt>
          <dd>{t(`admin.calendar.${loaded.calendar.type}`)}</dd>
          <dt>{t('admin.calendar.url')}</dt>
          <dd className="break">{loaded.calendar.url}</dd>
          {loaded.calendar.username && (
            <>
              <dt>{t('admin.calendar.username')}</dt>
              <dd>{loaded.calendar.username}</dd>
            </>
          )}
          <dt>{t('admin.calendar.lastSync')}</dt>
          <dd data-testid="calendar-last-sync">
            {loaded.calendar.lastSyncAt === null && loaded.calendar.lastAttemptAt === null
              ? t('admin.calendar.firstSync')
              : when(loaded.calendar.lastSyncAt)}
            {loaded.calendar.stale && <span className="tag warn">{t('admin.calendar.stale')}</span>}
          </dd>
          {loaded.calendar.lastError && (
            <>
              <dt>{t('admin.lastError')}</dt>
              <dd className="error-text">{loaded.calendar.lastError}</dd>
            </>
          )}
        </dl>
      )}
      {loaded.status === 'ready' && (
        <div className="actions">
          <button type="button" disabled={state.kind === 'busy'} onClick={sync}>
            {t('admin.calendar.sync')}
          </button>
          <button type="button" className="danger" disabled={state.kind === 'busy'} onClick={disconnect}>
            {t('admin.calendar.disconnect')}
          </button>
        </div>
      )}
      <form onSubmit={connect} aria-label={t('admin.calendar.connect')}>
        <ErrorScope state={state}>
          <div className="form-grid">
            <Field label={t('admin.calendar.type')}>
              {(control) => (
                <select
                  {...control}
                  value={form.type}
                  onChange={(e) => setForm({ ...form, type: e.target.value as Calendar['type'] })}
                >
                  <option value="caldav">{t('admin.calendar.caldav')}</option>
                  <option value="ics">{t('admin.calendar.ics')}</option>
                </select>
              )}
            </Field>
            <Field name="url" label={t('admin.calendar.url')}>
              {(control) => (
                <input
                  {...control}
                  type="url"
                  required
                  placeholder="https://"
                  value={form.url}
                  onChange={(e) => setForm({ ...form, url: e.target.value })}
                />
              )}
            </Field>
            {form.type === 'caldav' && (
              <>
                <Field name="username" label={t('admin.calendar.username')}>
                  {(control) => (
                    <input
                      {...control}
                      required
                      autoComplete="off"
                      value={form.username}
                      onChange={(e) => setForm({ ...form, username: e.target.value })}
                    />
                  )}
                </Field>
                <Field name="password" label={t('admin.calendar.password')} hint={t('admin.secretHint')}>
                  {(control) => (
                    <input
                      {...control}
                      type="password"
                      required
                      autoComplete="new-password"
                      value={form.password}
                      onChange={(e) => setForm({ ...form, password: e.target.value })}
                    />
                  )}
                </Field>
              </>
            )}
          </div>
          <ActionStatus state={state} />
          <div className="actions">
            <button type="submit" disabled={state.kind === 'busy'}>
              {t(loaded.status === 'ready' ? 'admin.calendar.replace' : 'admin.calendar.connect')}
            </button>
          </div>
        </ErrorScope>
      </form>
    </section>
  );
}
