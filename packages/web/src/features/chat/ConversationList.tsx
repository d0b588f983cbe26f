import { useId } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import { conversationName, otherMember } from './names';

/** Conversations, most recently active first, with unread counts. */
export function ConversationList({ activeId }: { activeId: string | null }) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const me = useStore(services.me, (u) => u);
  const { order, conversations, loaded } = useStore(services.chat.state, (s) => s);
  return (
    <section className="conversations" aria-labelledby={id}>
      <h2 id={id} className="sr-only">
        {t('chat.title')}
      </h2>
      {loaded && order.length === 0 && <p className="hint">{t('chat.empty')}</p>}
      <ul className="list">
        {order.map((cid) => {
          const c = conversations[cid];
          if (!c) return null;
          const name = conversationName(c, me);
          const other = otherMember(c, me);
          return (
            <li key={cid} className="row-item" data-conversation={cid} data-name={name}>
              <Link to={paths.chat(cid)} className="row-main" aria-current={cid === activeId ? 'page' : undefined}>
                <Avatar name={name} address={other?.address} />
                <span className="row-text">
                  <span className="row-title">{name}</span>
                  {other ? (
                    <PresenceLine address={other.address} />
                  ) : (
                    <span className="row-sub">{t('chat.group', { n: c.members.length })}</span>
                  )}
                </span>
                <span className="row-meta">
                  <time dateTime={c.updatedAt}>{c.lastSeq > 0 ? i18n.when(c.updatedAt) : ''}</time>
                  {c.unread > 0 && (
                    <span className="unread" data-unread={c.unread}>
                      <span aria-hidden="true">{c.unread}</span>
                      <span className="sr-only">{t('chat.unread', { n: c.unread })}</span>
                    </span>
                  )}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
