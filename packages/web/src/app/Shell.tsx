import { lazy, Suspense, useEffect } from 'react';
import { CallBanner } from '../features/calls/CallBanner';
import { Journal } from '../features/calls/Journal';
import { PhonePanel } from '../features/calls/Phone';
import { ConversationList } from '../features/chat/ConversationList';
import { ConversationView } from '../features/chat/ConversationView';
import { ConnectionBanner } from '../features/connection/ConnectionBanner';
import { ContactList } from '../features/contacts/ContactList';
import { DirectoryPane } from '../features/directory/DirectoryPane';
import { DirectorySearch } from '../features/directory/DirectorySearch';
import { MyPresenceButton } from '../features/presence/MyPresence';
import { SettingsMenu } from '../features/settings/Settings';
import { useI18n } from '../i18n';
import { useStore } from '../lib/store';
import { Link, paths, routeStore } from './router';
import { useServices } from './services';

// Administration is for few users: its code loads when it is first opened.
const AdminNav = lazy(() => import('../features/admin/Admin').then((m) => ({ default: m.AdminNav })));
const AdminPane = lazy(() => import('../features/admin/Admin').then((m) => ({ default: m.AdminPane })));

/**
 * The signed-in layout: a header (its logo is the page's <h1>), then the main landmark with a
 * sidebar with the sections (chats, contacts, directory, calls, administration for admins) and
 * the pane. Calls ringing at the user show above, in the call banner. Below 720 px only one of sidebar and pane shows at a time, so the main landmark
 * (the skip link's target) holds both: it is there whichever shows.
 */
export function Shell() {
  const services = useServices();
  const { t } = useI18n();
  const route = useStore(routeStore, (r) => r);
  const unread = useStore(services.chat.state, (s) =>
    Object.values(s.conversations).reduce((n, c) => n + (c.unread > 0 ? 1 : 0), 0),
  );
  const missed = useStore(services.journal.unreadMissed, (n) => n);
  const activeId = route.name === 'chat' ? route.id : null;
  const isAdmin = useStore(services.me, (u) => u.role !== 'user');
  const detail =
    route.name === 'chat' ||
    (route.name === 'directory' && route.details) ||
    (route.name === 'calls' && route.journal) ||
    (route.name === 'admin' && isAdmin && route.section !== null);
  const loading = <p className="hint">{t('app.loading')}</p>;

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${t('app.name')}` : t('app.name');
  }, [unread, t]);

  return (
    <div className="app" data-view={detail ? 'detail' : 'list'}>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <ConnectionBanner />
      <CallBanner />
      <header className="topbar">
        <h1 className="logo">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>{t('app.name')}</span>
        </h1>
        <MyPresenceButton />
        <SettingsMenu />
      </header>
      <main id="main" className="body" tabIndex={-1}>
        <div className="sidebar">
          <nav className="tabs" aria-label={t('nav.main')}>
            <Link
              to={paths.chats}
              aria-current={route.name === 'chats' || route.name === 'chat' ? 'page' : undefined}
              aria-label={unread > 0 ? t('nav.chatsUnread', { n: unread }) : undefined}
            >
              {t('nav.chats')}{' '}
              {unread > 0 && (
                <span className="unread" aria-hidden="true">
                  {unread}
                </span>
              )}
            </Link>
            <Link to={paths.contacts} aria-current={route.name === 'contacts' ? 'page' : undefined}>
              {t('nav.contacts')}
            </Link>
            <Link to={paths.directory} aria-current={route.name === 'directory' ? 'page' : undefined}>
              {t('nav.directory')}
            </Link>
            <Link
              to={paths.calls}
              aria-current={route.name === 'calls' ? 'page' : undefined}
              aria-label={missed > 0 ? t('nav.callsMissed', { n: missed }) : undefined}
            >
              {t('nav.calls')}{' '}
              {missed > 0 && (
                <span className="unread" aria-hidden="true" data-testid="missed-badge">
                  {missed}
                </span>
              )}
            </Link>
            {isAdmin && (
              <Link to={paths.admin()} aria-current={route.name === 'admin' ? 'page' : undefined}>
                {t('nav.admin')}
              </Link>
            )}
          </nav>
          <div className="sidebar-content">
            {route.name === 'contacts' ? (
              <ContactList />
            ) : route.name === 'directory' ? (
              <DirectorySearch />
            ) : route.name === 'calls' ? (
              <PhonePanel />
            ) : route.name === 'admin' && isAdmin ? (
              <Suspense fallback={loading}>
                <AdminNav section={route.section} />
              </Suspense>
            ) : (
              <ConversationList activeId={activeId} />
            )}
          </div>
        </div>
        <div className="pane">
          {route.name === 'directory' ? (
            <DirectoryPane />
          ) : route.name === 'calls' ? (
            <Journal />
          ) : route.name === 'admin' && isAdmin ? (
            <Suspense fallback={loading}>
              <AdminPane section={route.section} />
            </Suspense>
          ) : activeId ? (
            <ConversationView key={activeId} id={activeId} />
          ) : (
            <p className="empty">{t('chat.select')}</p>
          )}
        </div>
      </main>
    </div>
  );
}
