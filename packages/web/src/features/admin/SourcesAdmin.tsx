import type { DirectorySource, Role } from '@parley/api';
import { type ChangeEvent, useEffect, useId } from 'react';
import { useI18n } from '../../i18n';
import { keyed } from '../../lib/keys';
import { useStore } from '../../lib/store';
import { useAdmin } from './Admin';
import { ListCount, ListDialogs, ListError, useListDialogs } from './list';
import { SourceForm } from './SourceForm';
import { ActionStatus, useAction, useWhen } from './ui';

/**
 * The tenant's directory sources with their status (state, entries, invalid numbers, last sync,
 * last error and report), and per source: edit, test the connection, sync now (with a progress
 * bar that follows the server's sync status), import a file (file sources), remove.
 */
export function SourcesAdmin() {
  const admin = useAdmin();
  const { t } = useI18n();
  const list = useStore(admin.sources, (s) => s);
  const dialogs = useListDialogs(list.items);

  useEffect(() => {
    void admin.loadSources();
  }, [admin]);

  const sorted = [...list.items].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));

  return (
    <>
      <div className="toolbar">
        <ListCount list={list}>{t('source.count', { n: list.items.length })}</ListCount>
        <button type="button" className="primary" onClick={dialogs.create}>
          {t('source.new')}
        </button>
      </div>
      <ListError list={list} />
      {list.status === 'ready' && list.items.length === 0 && <p className="muted">{t('source.none')}</p>}
      <ul className="source-list">
        {sorted.map((s) => (
          <SourceItem key={s.id} source={s} edit={() => dialogs.edit(s.id)} />
        ))}
      </ul>
      <ListDialogs
        dialogs={dialogs}
        newTitle={t('source.new')}
        newWide
        titleOf={(s) => s.name}
        add={(close) => <SourceForm source={null} close={close} />}
        edit={(s, close) => <SourceForm source={s} close={close} />}
      />
    </>
  );
}

const isRole = (r: string): r is Role => r === 'user' || r === 'tenant-admin' || r === 'system-admin';
const stateIcon: Record<DirectorySource['state'], string> = { idle: '○', syncing: '↻', ok: '✓', error: '⚠' };

function SourceItem({ source: s, edit }: { source: DirectorySource; edit: () => void }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const when = useWhen();
  const id = useId();
  const [state, run] = useAction();
  const busy = state.kind === 'busy';
  const syncing = s.state === 'syncing';

  const test = () => void run(() => admin.testSource(s.id), t('source.testOk'));
  const sync = (full: boolean) => void run(() => admin.syncSource(s.id, full), t('source.syncStarted'));
  const remove = () => {
    if (!window.confirm(t('source.removeConfirm', { name: s.name }))) return;
    void run(() => admin.removeSource(s.id));
  };
  const upload = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    void run(
      () => admin.importFile(s.id, file),
      (r) =>
        t('source.imported', {
          entries: r.summary.entries,
          invalid: r.summary.invalidNumbers,
          skipped: r.summary.skippedRows,
        }),
    );
  };

  const report = s.report;
  const problems = report ? report.invalidNumbers.length + report.skippedRows.length : 0;
  // A file source says where it read each number: the line and the column.
  const placed = report?.invalidNumbers.some((n) => n.line !== undefined) ?? false;

  return (
    <li className="card source" data-source={s.name} data-state={s.state} aria-labelledby={`${id}-name`}>
      <header className="card-head">
        <div className="card-title">
          <h3 id={`${id}-name`}>{s.name}</h3>
          <span className="muted">
            {t(`source.kind.${s.kind}`)} · {t('source.priority', { n: s.priority })}
          </span>
        </div>
        <span className={`tag state-${s.state}`} data-testid="source-state">
          <span aria-hidden="true">{stateIcon[s.state]}</span> {t(`source.state.${s.state}`)}
        </span>
      </header>
      {syncing && <SyncProgress source={s} />}
      <dl className="facts stats">
        <dt>{t('source.entries')}</dt>
        <dd data-field="entries">{s.entries}</dd>
        <dt>{t('source.invalidNumbers')}</dt>
        <dd data-field="invalid">{s.invalidNumbers}</dd>
        <dt>{t('source.lastSync')}</dt>
        <dd>{when(s.lastSyncAt)}</dd>
        <dt>{t('source.lastFullSync')}</dt>
        <dd>{when(s.lastFullSyncAt)}</dd>
        <dt>{t('source.scheduleShort')}</dt>
        <dd>{s.scheduleSeconds ? t('source.every', { n: Math.round(s.scheduleSeconds / 60) }) : t('source.manual')}</dd>
        <dt>{t('source.visibleTo')}</dt>
        <dd>
          {s.visibleTo?.roles?.length
            ? s.visibleTo.roles.map((r) => (isRole(r) ? t(`admin.role.${r}`) : r)).join(', ')
            : t('source.everyone')}
        </dd>
        {s.hasSecret && (
          <>
            <dt>{t('source.secret')}</dt>
            <dd>{t('source.secretStored')}</dd>
          </>
        )}
      </dl>
      {s.lastError && (
        <p className="error-text" data-testid="source-error">
          {t('admin.lastError')}: {s.lastError}
        </p>
      )}
      <div className="actions">
        <button type="button" aria-describedby={`${id}-name`} onClick={edit}>
          {t('admin.edit')}
        </button>
        <button type="button" aria-describedby={`${id}-name`} disabled={busy} onClick={test}>
          {t('source.test')}
        </button>
        <button type="button" aria-describedby={`${id}-name`} disabled={busy || syncing} onClick={() => sync(false)}>
          {t('source.sync')}
        </button>
        <button type="button" aria-describedby={`${id}-name`} disabled={busy || syncing} onClick={() => sync(true)}>
          {t('source.syncFull')}
        </button>
        {s.kind === 'file' && (
          <label className="button file-button">
            {t('source.import')}
            <input
              type="file"
              className="sr-only"
              accept=".csv,.txt,.vcf,.vcard,text/csv,text/vcard"
              disabled={busy || syncing}
              onChange={upload}
            />
          </label>
        )}
        <button type="button" className="danger" aria-describedby={`${id}-name`} disabled={busy} onClick={remove}>
          {t('admin.remove')}
        </button>
      </div>
      <ActionStatus state={state} testId="source-status" />
      {report && problems > 0 && (
        <details className="report" data-testid="source-report">
          <summary>
            {t('source.report', { invalid: report.invalidNumbers.length, skipped: report.skippedRows.length })}
          </summary>
          {report.invalidNumbers.length > 0 && (
            <table>
              <caption>{t('source.reportInvalid')}</caption>
              <thead>
                <tr>
                  {placed && <th scope="col">{t('source.reportLine')}</th>}
                  {placed && <th scope="col">{t('source.reportField')}</th>}
                  <th scope="col">{t('source.reportId')}</th>
                  <th scope="col">{t('source.reportNumber')}</th>
                  <th scope="col">{t('source.reportReason')}</th>
                </tr>
              </thead>
              <tbody>
                {keyed(report.invalidNumbers, (n) => `${n.externalId}|${n.raw}`).map(([key, n]) => (
                  <tr key={key}>
                    {placed && <td>{n.line}</td>}
                    {placed && <td>{n.field}</td>}
                    <td>{n.externalId}</td>
                    <td>{n.raw}</td>
                    <td>{n.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {report.skippedRows.length > 0 && (
            <table>
              <caption>{t('source.reportSkipped')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('source.reportLine')}</th>
                  <th scope="col">{t('source.reportReason')}</th>
                </tr>
              </thead>
              <tbody>
                {report.skippedRows.map((r) => (
                  <tr key={r.line}>
                    <td>{r.line}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </details>
      )}
      {report && problems === 0 && s.lastSyncAt && <p className="muted">{t('source.reportClean')}</p>}
    </li>
  );
}

/** The sync's progress as the server records it: a bar when the total is known, else a count. */
function SyncProgress({ source: s }: { source: DirectorySource }) {
  const { t } = useI18n();
  const p = s.progress;
  const total = p?.total ?? null;
  return (
    <div className="sync-progress" data-testid="sync-progress">
      <progress
        aria-label={t('source.progressLabel', { name: s.name })}
        max={total ?? undefined}
        value={total !== null && p ? Math.min(p.done, total) : undefined}
      />
      <span className="muted" data-testid="sync-progress-text">
        {p === null
          ? t('source.starting')
          : total !== null
            ? t('source.progressOf', { done: p.done, total, percent: Math.round((100 * p.done) / Math.max(total, 1)) })
            : t('source.progressCount', { done: p.done })}
      </span>
    </div>
  );
}
