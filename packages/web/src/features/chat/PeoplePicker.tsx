import { useEffect, useId, useMemo, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import type { Contact } from '../contacts/contacts-store';
import { PresenceLine } from '../presence/PresenceBadge';

const MAX_SHOWN = 30;

function matches(c: Contact, q: string) {
  const needle = q.toLowerCase();
  return c.name.toLowerCase().includes(needle) || c.address.toLowerCase().includes(needle);
}

/**
 * Choosing colleagues: a filter over those the app knows and the directory (Parley users only),
 * each a checkbox; the chosen ones stay listed first.
 */
export function PeoplePicker({
  selected,
  onChange,
  exclude,
}: {
  selected: readonly Contact[];
  onChange: (next: Contact[]) => void;
  /** Addresses that cannot be chosen (the user, current members). */
  exclude: readonly string[];
}) {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const known = useStore(services.contacts.state, (s) => s.known);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<{ q: string; contacts: Contact[] }>({ q: '', contacts: [] });

  useEffect(() => {
    const query = q.trim();
    if (query.length < 2) return;
    let live = true;
    const timer = setTimeout(() => {
      services.api.request('directory.search', { query: { q: query, limit: 20 } }).then(
        ({ candidates }) => {
          const contacts = candidates.flatMap((c) =>
            c.address
              ? [
                  {
                    address: c.address,
                    name: c.name ?? c.display,
                    numbers: c.numbers.map((n) => n.raw),
                    email: c.email,
                  },
                ]
              : [],
          );
          services.contacts.learn(contacts);
          if (live) setFound({ q: query, contacts });
        },
        () => live && setFound({ q: query, contacts: [] }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, services]);

  const candidates = useMemo(() => {
    const out = new Map<string, Contact>();
    const skip = new Set([...exclude, services.me.get().address]);
    const query = q.trim();
    for (const c of selected) out.set(c.address, c);
    for (const c of Object.values(known).sort((a, b) => a.name.localeCompare(b.name)))
      if (!query || matches(c, query)) out.set(c.address, out.get(c.address) ?? c);
    if (found.q === query) for (const c of found.contacts) out.set(c.address, out.get(c.address) ?? c);
    return [...out.values()].filter((c) => !skip.has(c.address)).slice(0, MAX_SHOWN + selected.length);
  }, [known, found, q, selected, exclude, services]);

  const chosen = new Set(selected.map((c) => c.address));
  const toggle = (c: Contact, on: boolean) =>
    onChange(on ? [...selected, c] : selected.filter((x) => x.address !== c.address));

  return (
    <fieldset className="people">
      <legend>{t('chat.people')}</legend>
      <label htmlFor={`${id}-q`} className="sr-only">
        {t('chat.peopleSearch')}
      </label>
      <input
        id={`${id}-q`}
        type="search"
        value={q}
        autoComplete="off"
        placeholder={t('chat.peopleSearch')}
        onChange={(e) => setQ(e.target.value)}
      />
      <p className="people-count" aria-live="polite">
        {t('chat.peopleChosen', { n: selected.length })}
      </p>
      <ul className="people-list">
        {candidates.map((c) => (
          <li key={c.address}>
            <label className="choice" data-person={c.address}>
              <input type="checkbox" checked={chosen.has(c.address)} onChange={(e) => toggle(c, e.target.checked)} />
              <span className="people-name">
                {c.name} <small className="muted">{c.address}</small>
              </span>
              <PresenceLine address={c.address} compact />
            </label>
          </li>
        ))}
      </ul>
      {candidates.length === 0 && (
        <p className="hint">{q.trim() ? t('contacts.noMatch', { q: q.trim() }) : t('chat.peopleEmpty')}</p>
      )}
    </fieldset>
  );
}
