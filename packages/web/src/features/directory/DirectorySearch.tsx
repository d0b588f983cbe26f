import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { keyed } from '../../lib/keys';
import { useStore } from '../../lib/store';
import { Avatar } from '../presence/PresenceBadge';
import { type Candidate, candidateKey, directoryOf, looksLikeNumber, MIN_QUERY } from './directory-store';

type Option = { kind: 'lookup'; number: string } | { kind: 'contact'; candidate: Candidate };

/** Where the card or the lookup shows: on a phone the pane replaces the list, so focus goes there. */
function showDetails() {
  navigate(paths.directoryDetails);
  if (window.matchMedia('(max-width: 719px)').matches) {
    requestAnimationFrame(() => document.getElementById('main')?.focus());
  }
}

/**
 * The directory's typeahead (the sidebar of the directory screen): an ARIA combobox whose list of
 * contacts follows the typing (debounced); ↑/↓ move through it, Enter opens the contact's card.
 * A query written like a phone number offers its reverse lookup as the first option.
 */
export function DirectorySearch() {
  const services = useServices();
  const store = directoryOf(services);
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const search = useStore(store.state, (s) => s.search);
  const selected = useStore(store.state, (s) => s.selected);
  const [q, setQ] = useState(search.q);
  const [active, setActive] = useState(-1);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const timer = setTimeout(() => void store.search(q), 200);
    return () => clearTimeout(timer);
  }, [q, store]);

  const query = q.trim();
  const options = useMemo<Option[]>(() => {
    const found = search.q === query ? search.results.map((c): Option => ({ kind: 'contact', candidate: c })) : [];
    return looksLikeNumber(query) ? [{ kind: 'lookup', number: query }, ...found] : found;
  }, [search, query]);

  // A new list starts without an active option.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the options change
  useEffect(() => setActive(-1), [options]);

  useEffect(() => {
    if (active < 0) return;
    list.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const choose = (o: Option) => {
    if (o.kind === 'lookup') {
      void store.lookup(o.number);
    } else {
      store.select(o.candidate);
    }
    showDetails();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (options.length > 0) setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, -1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const o = options[Math.max(active, 0)];
      if (o) choose(o);
    } else if (e.key === 'Escape') {
      if (active >= 0) setActive(-1);
      else setQ('');
    }
  };

  const optionId = (i: number) => `${id}-option-${i}`;
  const expanded = options.length > 0;
  const status =
    query.length < MIN_QUERY
      ? t('directory.searchHint')
      : search.status === 'searching' || search.q !== query
        ? t('contacts.searching')
        : search.status === 'failed'
          ? errorText(search.error, t)
          : search.results.length === 0
            ? t('contacts.noMatch', { q: query })
            : t('directory.found', { n: search.results.length });

  return (
    <section className="directory-search" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="sr-only">
        {t('directory.search')}
      </h2>
      <div className="search">
        <label htmlFor={`${id}-q`} className="sr-only">
          {t('directory.search')}
        </label>
        <input
          id={`${id}-q`}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={`${id}-list`}
          aria-activedescendant={active >= 0 ? optionId(active) : undefined}
          aria-describedby={`${id}-status`}
          autoComplete="off"
          spellCheck={false}
          enterKeyHint="search"
          value={q}
          placeholder={t('directory.search')}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </div>
      <div id={`${id}-list`} ref={list} className="list options" role="listbox" aria-label={t('directory.results')}>
        {keyed(options, (o) => (o.kind === 'contact' ? candidateKey(o.candidate) : 'lookup')).map(([key, o], i) => {
          const c = o.kind === 'contact' ? o.candidate : null;
          return (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input handles the keys (aria-activedescendant)
            <div
              key={key}
              id={optionId(i)}
              tabIndex={-1}
              data-index={i}
              role="option"
              aria-selected={i === active}
              aria-current={c !== null && c === selected ? 'true' : undefined}
              className="row-main option"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(o)}
            >
              {c ? (
                <>
                  <Avatar name={c.name ?? c.company ?? c.display} />
                  <span className="row-text">
                    <span className="row-title">{c.display}</span>
                    <span className="row-sub">
                      {[c.company, c.department, c.numbers[0]?.raw].filter(Boolean).join(' · ') || c.email}
                    </span>
                  </span>
                  <span className="row-meta">{c.source}</span>
                </>
              ) : (
                <>
                  <span className="avatar" aria-hidden="true">
                    #
                  </span>
                  <span className="row-text">
                    <span className="row-title">{t('directory.lookupOption', { number: query })}</span>
                    <span className="row-sub">{t('directory.lookupOptionHint')}</span>
                  </span>
                </>
              )}
            </div>
          );
        })}
      </div>
      <p id={`${id}-status`} className="hint" aria-live="polite">
        {status}
      </p>
    </section>
  );
}
