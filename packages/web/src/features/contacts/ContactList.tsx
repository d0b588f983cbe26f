import { FAVOURITES_MAX, matchesColleague } from '@parley/api';
import { type ReactNode, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { CallButton } from '../calls/CallButton';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import type { Contact } from './contacts-store';

const byName = (a: Contact, b: Contact) => a.name.localeCompare(b.name) || a.address.localeCompare(b.address);

/**
 * Favourites first, then every colleague of the tenant by name, each with their live presence;
 * filtered as you type (on the server while the list is not here whole), the long list drawn a
 * screenful at a time and continued from the server as it scrolls.
 */
export function ContactList() {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const view = useStore(services.contacts.state, (s) => s);
  const [q, setQ] = useState('');
  const query = q.trim();

  useEffect(() => {
    if (query === '') {
      services.contacts.search('');
      return;
    }
    const timer = setTimeout(() => services.contacts.search(query), 150);
    return () => clearTimeout(timer);
  }, [query, services]);

  const me = services.me.get().address;
  const favourites = useMemo(() => {
    const fav = view.favourites.flatMap((a) => {
      const c = view.known[a];
      return c && a !== me && matchesColleague(c, query) ? [c] : [];
    });
    return fav.sort(byName);
  }, [view.favourites, view.known, query, me]);

  // The server's matches once they are here; until then the loaded colleagues that match.
  const list =
    view.matches && view.matches.q === query && (view.matches.status === 'done' || view.matches.addresses.length > 0)
      ? view.matches
      : view.everyone;
  const colleagues = useMemo(() => {
    const fav = new Set(view.favourites);
    return list.addresses.flatMap((a) => {
      const c = view.known[a];
      return c && a !== me && !fav.has(a) && matchesColleague(c, query) ? [c] : [];
    });
  }, [list, query, view.favourites, view.known, me]);
  const more = useCallback(() => services.contacts.more(), [services]);

  // What answers the search: everyone (all of them here, or no search), else the server's matches.
  const whole = view.everyone.status === 'done' && view.everyone.cursor === null;
  const answer = query === '' || whole ? view.everyone : view.matches?.q === query ? view.matches : null;
  const failed = answer?.status === 'failed';
  const loading = answer === null || answer.status === 'loading';
  const nothing = favourites.length === 0 && colleagues.length === 0;

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
          maxLength={100}
          placeholder={t('contacts.search')}
          aria-describedby={`${id}-hint`}
          autoComplete="off"
          onChange={(e) => setQ(e.target.value)}
        />
        <span id={`${id}-hint`} className="sr-only">
          {t('contacts.searchHint')}
        </span>
      </div>
      {view.favouritesError && (
        <p className="form-status error contacts-error" role="alert">
          {view.favouritesError === 'full'
            ? t('contacts.favouritesFull', { n: FAVOURITES_MAX })
            : t('contacts.favouriteFailed')}{' '}
          <button type="button" className="link-button" onClick={() => services.contacts.dismissError()}>
            {t('contacts.dismiss')}
          </button>
        </p>
      )}
      {favourites.length > 0 && (
        <ContactGroup title={t('contacts.favourites')} group="favourites">
          <ul className="list">
            {favourites.map((c) => (
              <ContactRow key={c.address} contact={c} favourite />
            ))}
          </ul>
        </ContactGroup>
      )}
      {colleagues.length > 0 && (
        <ContactGroup title={t('contacts.colleagues')} group="colleagues">
          <VirtualRows items={colleagues} onNearEnd={more} />
        </ContactGroup>
      )}
      <p className="hint" aria-live="polite">
        {loading
          ? query
            ? t('contacts.searching')
            : t('contacts.loading')
          : failed
            ? t('contacts.loadFailed')
            : nothing
              ? query
                ? t('contacts.noMatch', { q: query })
                : t('contacts.empty')
              : ''}
      </p>
    </section>
  );
}

function ContactGroup({ title, group, children }: { title: string; group: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="group" aria-labelledby={id} data-group={group}>
      <h3 id={id} className="group-title">
        {title}
      </h3>
      {children}
    </section>
  );
}

/** Rows drawn beyond the visible ones, above and below. */
const OVERSCAN = 10;
/** Rows drawn before the first measurement. */
const FIRST_ROWS = 40;

function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const { overflowY } = getComputedStyle(p);
    if ((overflowY === 'auto' || overflowY === 'scroll') && p.scrollHeight > 0) return p;
  }
  return null;
}

/**
 * A long list drawn a screenful at a time: rows share one height, the rows out of view are
 * padding. `onNearEnd` asks for the next page when the last rows come into view.
 */
function VirtualRows({ items, onNearEnd }: { items: Contact[]; onNearEnd: () => void }) {
  const ref = useRef<HTMLUListElement>(null);
  const [range, setRange] = useState({ start: 0, end: FIRST_ROWS, rowHeight: 56 });

  // Measured again whenever the rows change (a page arrived, the search narrowed them).
  // biome-ignore lint/correctness/useExhaustiveDependencies: items is the trigger, not an input
  useLayoutEffect(() => {
    const ul = ref.current;
    if (!ul) return;
    const scroller = scrollParent(ul);
    const update = () => {
      const row = ul.querySelector('li');
      const rowHeight = row?.getBoundingClientRect().height || 56;
      const top = ul.getBoundingClientRect().top - (scroller ? scroller.getBoundingClientRect().top : 0);
      const viewport = scroller ? scroller.clientHeight : window.innerHeight;
      const start = Math.max(0, Math.floor(-top / rowHeight) - OVERSCAN);
      const end = Math.max(start, Math.ceil((viewport - top) / rowHeight) + OVERSCAN);
      setRange((r) =>
        r.start === start && r.end === end && r.rowHeight === rowHeight ? r : { start, end, rowHeight },
      );
    };
    update();
    const target: HTMLElement | Window = scroller ?? window;
    target.addEventListener('scroll', update, { passive: true });
    const resized = new ResizeObserver(update);
    resized.observe(scroller ?? document.documentElement);
    return () => {
      target.removeEventListener('scroll', update);
      resized.disconnect();
    };
  }, [items]);

  const start = Math.min(range.start, items.length);
  const end = Math.min(range.end, items.length);
  const nearEnd = end >= items.length - OVERSCAN;
  useEffect(() => {
    if (nearEnd) onNearEnd();
  }, [nearEnd, onNearEnd]);

  return (
    <ul
      ref={ref}
      className="list virtual"
      style={{ paddingTop: start * range.rowHeight, paddingBottom: (items.length - end) * range.rowHeight }}
    >
      {items.slice(start, end).map((c, i) => (
        <ContactRow key={c.address} contact={c} favourite={false} position={start + i + 1} size={items.length} />
      ))}
    </ul>
  );
}

function ContactRow({
  contact,
  favourite,
  position,
  size,
}: {
  contact: Contact;
  favourite: boolean;
  position?: number;
  size?: number;
}) {
  const services = useServices();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  // Presence texts are fetched for the rows on screen (changes arrive for everyone).
  useEffect(() => services.presence.watch([contact.address]), [contact.address, services]);
  const open = async () => {
    setBusy(true);
    try {
      navigate(paths.chat(await services.chat.direct(contact.address)));
    } finally {
      setBusy(false);
    }
  };
  const label = t(favourite ? 'contacts.unfavourite' : 'contacts.favourite', { name: contact.name });
  return (
    <li className="row-item" data-contact={contact.address} aria-posinset={position} aria-setsize={size}>
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
        aria-label={label}
        title={label}
        onClick={() => services.contacts.toggleFavourite(contact.address)}
      >
        <span aria-hidden="true">{favourite ? '★' : '☆'}</span>
      </button>
      <CallButton to={contact.address} name={contact.name} />
    </li>
  );
}
