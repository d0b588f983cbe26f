import { useEffect } from 'react';
import { ConversationList } from '../features/chat/ConversationList';
import { ConversationView } from '../features/chat/ConversationView';
import { ConnectionBanner } from '../features/connection/ConnectionBanner';
import { ContactList } from '../features/contacts/ContactList';
import { MyPresenceButton } from '../features/presence/MyPresence';
import { SettingsMenu } from '../features/settings/Settings';
import { useI18n } from '../i18n';
import { useStore } from '../lib/store';
import { Link, paths, routeStore } from './router';
import { useServices } from './services';

/**
 * The signed-in layout: a header, a sidebar with the sections (chats, contacts; later calls) and
 * the main pane. Below 720 px only one of sidebar and pane shows at a time.
 */
export function Shell() {
  const services = useServices();
  const { t } = useI18n();
  const route = useStore(routeStore, (r) => r);
  const unread = useStore(services.chat.state, (s) =>
    Object.values(s.conversations).reduce((n, c) => n + (c.unread > 0 ? 1 : 0), 0),
  );
  const activeId = route.name === 'chat' ? route.id : null;

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${t('app.name')}` : t('app.name');
  }, [unread, t]);

  return (
    <div className="app" data-view={route.name === 'chat' ? 'detail' : 'list'}>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <ConnectionBanner />
      <header className="topbar">
        <span className="logo">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>{t('app.name')}</span>
        </span>
        <MyPresenceButton />
        <SettingsMenu />
      </header>
      <div className="body">
        <aside className="sidebar">
          <nav className="tabs" aria-label={t('nav.main')}>
            <Link
              to={paths.chats}
              aria-current={route.name !== 'contacts' ? 'page' : undefined}
              aria-label={unread > 0 ? t('nav.chatsUnread', { n: unread }) : undefined}
            >
              {t('nav.chats')}
              {unread > 0 && (
                <span className="unread" aria-hidden="true">
                  {unread}
                </span>
              )}
            </Link>
            <Link to={paths.contacts} aria-current={route.name === 'contacts' ? 'page' : undefined}>
              {t('nav.contacts')}
            </Link>
          </nav>
          <div className="sidebar-content">
            {route.name === 'contacts' ? <ContactList /> : <ConversationList activeId={activeId} />}
          </div>
        </aside>
        <main id="main" className="pane" tabIndex={-1}>
          {activeId ? <ConversationView key={activeId} id={activeId} /> : <p className="empty">{t('chat.select')}</p>}
        </main>
      </div>
    </div>
  );
}
