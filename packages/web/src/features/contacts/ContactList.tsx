import { useEffect, useId, useMemo, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import type { Contact } from './contacts-store';

const byName = (a: Contact, b: Contact) => a.name.localeCompare(b.name) || a.address.localeCompare(b.address);

function matches(c: Contact, q: string) {
  const needle = q.toLowerCase();
  return (
    c.name.toLowerCase().includes(needle) ||
    c.address.toLowerCase().includes(needle) ||
    c.numbers.some((n) => n.replace(/\D/g, '').includes(needle.replace(/\D/g, '') || '\u0000'))
  );
}

/** Colleagues in groups (favourites, the others), filtered as you type, with a directory search. */
export function ContactList() {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const { known, favourites, search } = useStore(services.contacts.state, (s) => s);
  const [q, setQ] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => void services.contacts.search(q), 250);
    return () => clearTimeout(timer);
  }, [q, services]);

  const groups = useMemo(() => {
    const all = Object.values(known).filter((c) => !q.trim() || matches(c, q.trim()));
    const fav = new Set(favourites);
    return [
      { key: 'favourites', title: t('contacts.favourites'), items: all.filter((c) => fav.has(c.address)).sort(byName) },
      {
        key: 'colleagues',
        title: t('contacts.colleagues'),
        items: all.filter((c) => !fav.has(c.address)).sort(byName),
      },
    ].filter((g) => g.items.length > 0);
  }, [known, favourites, q, t]);

  const shown = new Set(groups.flatMap((g) => g.items.map((c) => c.address)));
  const more = search.q === q.trim() ? search.results.filter((c) => !shown.has(c.address)) : [];

  return (
    <section className="contacts" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="sr-only">
        {t('contacts.title')}
      </h2>
      <div className="search">
        <label htmlFor={`${id}-q`} className="sr-only">
          {t('contacts.search')}
        </label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          placeholder={t('contacts.search')}
          aria-describedby={`${id}-hint`}
          autoComplete="off"
          onChange={(e) => setQ(e.target.value)}
        />
        <span id={`${id}-hint`} className="sr-only">
          {t('contacts.searchHint')}
        </span>
      </div>
      {groups.map((g) => (
        <ContactGroup key={g.key} title={g.title} items={g.items} favourites={favourites} />
      ))}
      {more.length > 0 && <ContactGroup title={t('contacts.found')} items={more} favourites={favourites} />}
      <p className="hint" aria-live="polite">
        {search.status === 'searching'
          ? t('contacts.searching')
          : groups.length === 0 && more.length === 0
            ? q.trim()
              ? t('contacts.noMatch', { q: q.trim() })
              : t('contacts.empty')
            : ''}
      </p>
    </section>
  );
}

function ContactGroup({
  title,
  items,
  favourites,
}: {
  title: string;
  items: Contact[];
  favourites: readonly string[];
}) {
  const id = useId();
  return (
    <section className="group" aria-labelledby={id}>
      <h3 id={id} className="group-title">
        {title}
      </h3>
      <ul className="list">
        {items.map((c) => (
          <ContactRow key={c.address} contact={c} favourite={favourites.includes(c.address)} />
        ))}
      </ul>
    </section>
  );
}

function ContactRow({ contact, favourite }: { contact: Contact; favourite: boolean }) {
  const services = useServices();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    try {
      navigate(paths.chat(await services.chat.direct(contact.address)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="row-item" data-contact={contact.address}>
      <button
        type="button"
        className="row-main"
        title={t('contacts.chat', { name: contact.name })}
        aria-busy={busy}
        onClick={() => void open()}
      >
        <Avatar name={contact.name} address={contact.address} />
        <span className="row-text">
          <span className="row-title">{contact.name}</span>
          <PresenceLine address={contact.address} />
        </span>
      </button>
      <button
        type="button"
        className={`icon-button star${favourite ? ' on' : ''}`}
        aria-pressed={favourite}
        aria-label={t(favourite ? 'contacts.unfavourite' : 'contacts.favourite', { name: contact.name })}
        title={t(favourite ? 'contacts.unfavourite' : 'contacts.favourite', { name: contact.name })}
        onClick={() => services.contacts.toggleFavourite(contact.address)}
      >
        <span aria-hidden="true">{favourite ? '★' : '☆'}</span>
      </button>
    </li>
  );
}
