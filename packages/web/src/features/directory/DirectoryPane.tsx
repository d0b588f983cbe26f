import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import type { MessageKey } from '../../i18n';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { keyed } from '../../lib/keys';
import { useStore } from '../../lib/store';
import { ContactCard } from './ContactCard';
import { type Candidate, candidateKey, directoryOf } from './directory-store';

/** The score the server gives a company found by its number block (its switchboard scores 60–80; `directory/lookup.ts`). */
const BLOCK_SCORE = 75;

/** How a candidate matched, in words: the number itself, the company's switchboard or number block, a prefix. */
function matchKey(c: Candidate): MessageKey {
  if (c.match === 'company') return c.score === BLOCK_SCORE ? 'directory.match.block' : 'directory.match.switchboard';
  return `directory.match.${c.match}`;
}

/** The number of a candidate that matched, as its source wrote it. */
const matchedNumber = (c: Candidate): string | null =>
  c.matched === null ? null : (c.numbers.find((n) => n.e164 === c.matched)?.raw ?? c.matched);

/** The directory's main pane: reverse lookup of a number, its candidates, and the open contact card. */
export function DirectoryPane() {
  const services = useServices();
  const store = directoryOf(services);
  const { t } = useI18n();
  const id = useId();
  const lookup = useStore(store.state, (s) => s.lookup);
  const selected = useStore(store.state, (s) => s.selected);
  const [number, setNumber] = useState(lookup.number);

  // A lookup started elsewhere (the search box, a number on the card) shows its number here.
  useEffect(() => setNumber(lookup.number), [lookup.number]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void store.lookup(number);
  };

  return (
    <section className="directory-pane" aria-labelledby={`${id}-title`}>
      <header className="pane-head">
        <Link
          to={paths.directory}
          className="icon-button back"
          aria-label={t('directory.back')}
          title={t('directory.back')}
        >
          <span aria-hidden="true">←</span>
        </Link>
        <h2 id={`${id}-title`}>{t('directory.title')}</h2>
      </header>
      <div className="pane-body">
        <form className="lookup-form" onSubmit={submit}>
          <label htmlFor={`${id}-number`}>{t('directory.lookup')}</label>
          <div className="input-row">
            <input
              id={`${id}-number`}
              name="number"
              type="tel"
              inputMode="tel"
              autoComplete="off"
              maxLength={64}
              value={number}
              placeholder={t('directory.lookupPlaceholder')}
              onChange={(e) => setNumber(e.target.value)}
            />
            <button type="submit" className="primary" disabled={!number.trim() || lookup.status === 'looking'}>
              {t('directory.lookupSubmit')}
            </button>
          </div>
        </form>
        <LookupAnswer selected={selected} />
        {selected ? (
          <ContactCard contact={selected} />
        ) : (
          lookup.status === 'idle' && <p className="empty">{t('directory.empty')}</p>
        )}
      </div>
    </section>
  );
}

function LookupAnswer({ selected }: { selected: Candidate | null }) {
  const services = useServices();
  const store = directoryOf(services);
  const { t } = useI18n();
  const id = useId();
  const lookup = useStore(store.state, (s) => s.lookup);
  const { result } = lookup;
  return (
    <div className="lookup-answer" aria-live="polite" aria-busy={lookup.status === 'looking'}>
      {lookup.status === 'looking' && <p className="muted">{t('directory.looking')}</p>}
      {lookup.status === 'failed' && (
        <p className="form-status error" role="alert" data-testid="lookup-error">
          {errorText(lookup.error, t)}
        </p>
      )}
      {result && (
        <section aria-labelledby={`${id}-result`} data-testid="lookup-result">
          <h3 id={`${id}-result`} className="lookup-title">
            {t(result.kind === 'extension' ? 'directory.resultExtension' : 'directory.result', {
              number: result.display,
            })}
          </h3>
          {result.candidates.length === 0 ? (
            <p className="muted">{t('directory.nobody', { number: lookup.number })}</p>
          ) : (
            <ul className="list candidates">
              {keyed(result.candidates, candidateKey).map(([key, c]) => (
                <li key={key} data-match={c.match}>
                  <button
                    type="button"
                    className="row-main"
                    aria-pressed={c === selected}
                    onClick={() => store.select(c)}
                  >
                    <span className="row-text">
                      <span className="row-title">{c.display}</span>
                      <span className="row-sub">
                        {[c.company && c.company !== c.display.replace(/^~/, '') ? c.company : null, matchedNumber(c)]
                          .filter(Boolean)
                          .join(' · ')}
                      </span>
                    </span>
                    <span className="row-meta">
                      <span className={`tag match-${c.match}`}>{t(matchKey(c))}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
