import type { JournalEntry } from '@parley/api';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import { ActionStatus, useAction } from '../admin/ui';
import { CallButton } from './CallButton';
import { partyLabel } from './calls-store';
import { journalCsvHref } from './journal-store';

/** "4:05" */
const duration = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** One journal entry: whom, when, how it ended, its memo; call back, mark read, edit the memo. */
function Entry({ entry }: { entry: JournalEntry }) {
  const services = useServices();
  const { t, when } = useI18n();
  const [state, run] = useAction();
  const [editing, setEditing] = useState(false);
  const [memo, setMemo] = useState(entry.memo ?? '');
  const memoId = useId();
  const who = partyLabel(entry.remote);
  const back = entry.remote.number ?? entry.remote.uri;
  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await services.journal.update(entry.id, { memo: memo.trim() === '' ? null : memo });
      setEditing(false);
    });
  };
  return (
    <li
      className={`journal-entry${entry.read ? '' : ' unread-entry'}`}
      data-entry={entry.id}
      data-result={entry.result}
    >
      <p className="journal-who">
        <strong>{who}</strong>
        {!entry.read && <span className="tag warn">{t('journal.unread')}</span>}
      </p>
      <p className="journal-meta muted">
        {[
          t(`journal.direction.${entry.direction}`),
          t(`journal.result.${entry.result}`),
          when(entry.startedAt),
          entry.answeredAt ? duration(entry.duration) : null,
          entry.by ? t('journal.by', { name: entry.by }) : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {entry.memo && !editing && <p className="journal-memo">{entry.memo}</p>}
      <div className="inline-actions">
        {back && <CallButton to={back} name={who} />}
        {!entry.read && (
          <button
            type="button"
            className="link-button"
            onClick={() => void run(() => services.journal.update(entry.id, { read: true }))}
          >
            {t('journal.markRead')}
          </button>
        )}
        <button
          type="button"
          className="link-button"
          aria-expanded={editing}
          onClick={() => {
            setMemo(entry.memo ?? '');
            setEditing(!editing);
          }}
        >
          {t('journal.editMemo')}
        </button>
      </div>
      {editing && (
        <form className="journal-memo-form" onSubmit={save}>
          <label htmlFor={memoId}>{t('journal.memo', { who })}</label>
          <textarea id={memoId} value={memo} maxLength={2000} onChange={(e) => setMemo(e.target.value)} />
          <button type="submit" className="primary" disabled={state.kind === 'busy'}>
            {t('calls.save')}
          </button>
        </form>
      )}
      {state.kind === 'error' && <ActionStatus state={state} />}
    </li>
  );
}

/**
 * The call journal: all calls or the missed ones, searched by words (name, number, company, memo),
 * newest first and paged; mark all read and the CSV export of what the filter shows.
 */
export function Journal() {
  const services = useServices();
  const { t } = useI18n();
  const journal = useStore(services.journal.state, (s) => s);
  const unread = useStore(services.journal.unreadMissed, (n) => n);
  const [state, run] = useAction();
  const [q, setQ] = useState(journal.filter.q);
  const [missed, setMissed] = useState(journal.filter.missed);
  const id = useId();
  useEffect(() => {
    void services.journal.load({ missed, q });
  }, [services, missed, q]);
  return (
    <section className="journal" aria-labelledby={`${id}-title`}>
      <header className="pane-head">
        <Link to={paths.calls} className="icon-button back" aria-label={t('journal.back')} title={t('journal.back')}>
          <span aria-hidden="true">←</span>
        </Link>
        <h2 id={`${id}-title`}>{t('journal.title')}</h2>
      </header>
      <div className="journal-filters">
        <fieldset className="segmented">
          <legend className="sr-only">{t('journal.show')}</legend>
          <button type="button" aria-pressed={!missed} onClick={() => setMissed(false)}>
            {t('journal.all')}
          </button>
          <button type="button" aria-pressed={missed} onClick={() => setMissed(true)}>
            {t('journal.missed')}
          </button>
        </fieldset>
        <label htmlFor={`${id}-q`} className="sr-only">
          {t('journal.search')}
        </label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          placeholder={t('journal.search')}
          onChange={(e) => setQ(e.target.value)}
        />
        <button
          type="button"
          disabled={unread === 0 || state.kind === 'busy'}
          onClick={() => void run(() => services.journal.readAll())}
        >
          {t('journal.readAll')}
        </button>
        <a href={journalCsvHref(journal.filter)} download="journal.csv">
          {t('journal.csv')}
        </a>
      </div>
      {state.kind === 'error' && <ActionStatus state={state} />}
      {journal.error !== null && (
        <p className="form-status error" role="alert">
          {errorText(journal.error, t)}
        </p>
      )}
      {journal.entries.length === 0 && !journal.loading ? (
        <p className="hint">{t('journal.empty')}</p>
      ) : (
        <ul className="list journal-list">
          {journal.entries.map((e) => (
            <Entry key={e.id} entry={e} />
          ))}
        </ul>
      )}
      {journal.cursor !== null && (
        <button type="button" disabled={journal.loading} onClick={() => void services.journal.more()}>
          {t('journal.more')}
        </button>
      )}
    </section>
  );
}
