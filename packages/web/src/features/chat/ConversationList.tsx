import type { Conversation, Message, User } from '@parley/api';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { Link, navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { type I18n, useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { Avatar, PresenceLine, presenceText, usePresence } from '../presence/PresenceBadge';
import { NewChatButton } from './NewChat';
import { NewGroupButton } from './NewGroup';
import { conversationName, messagePreview, otherMember } from './names';

const SEARCH_DELAY_MS = 300;

/** Conversations, most recently active first, with unread counts and the newest message; a search over the history. */
export function ConversationList({ activeId }: { activeId: string | null }) {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const [q, setQ] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => void services.chat.search(q), q.trim() ? SEARCH_DELAY_MS : 0);
    return () => clearTimeout(timer);
  }, [q, services]);

  return (
    <section className="conversations" aria-labelledby={id}>
      <h2 id={id} className="sr-only">
        {t('chat.title')}
      </h2>
      <div className="search chat-tools">
        <search>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void services.chat.search(q);
            }}
          >
            <label htmlFor={`${id}-q`} className="sr-only">
              {t('chat.search')}
            </label>
            <input
              id={`${id}-q`}
              type="search"
              value={q}
              placeholder={t('chat.search')}
              autoComplete="off"
              onChange={(e) => setQ(e.target.value)}
            />
          </form>
        </search>
        <NewChatButton />
        <NewGroupButton />
      </div>
      {q.trim() ? <SearchResults activeId={activeId} /> : <Conversations activeId={activeId} />}
    </section>
  );
}

function Conversations({ activeId }: { activeId: string | null }) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const me = useStore(services.me, (u) => u);
  const { order, conversations, loaded, typing } = useStore(services.chat.state, (s) => s);
  return (
    <>
      {loaded && order.length === 0 && <p className="hint">{t('chat.empty')}</p>}
      <ul className="list">
        {order.map((cid) => {
          const c = conversations[cid];
          if (!c) return null;
          const name = conversationName(c, me);
          const other = otherMember(c, me);
          const typists = Object.keys(typing[cid] ?? {});
          return (
            <li key={cid} className="row-item" data-conversation={cid} data-name={name}>
              <Link to={paths.chat(cid)} className="row-main" aria-current={cid === activeId ? 'page' : undefined}>
                <Avatar name={name} address={other?.address} />
                <span className="row-text">
                  <span className="row-title">{name}</span>
                  {typists.length > 0 ? (
                    <span className="row-sub preview typing-preview">
                      {other
                        ? t('chat.typingShort')
                        : t('chat.typingIn', { name: typists.map((a) => memberName(c, a)).join(', ') })}
                    </span>
                  ) : c.lastMessage ? (
                    <span className="row-sub preview" data-preview>
                      {other && <PresenceText address={other.address} />}
                      {previewLine(c, c.lastMessage, me, i18n)}
                    </span>
                  ) : other ? (
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
    </>
  );
}

function memberName(c: Conversation, address: string) {
  return c.members.find((m) => m.address === address)?.label || address;
}

/** "You: …", in a group "Bob: …", in a 1:1 the text alone. */
function previewLine(c: Conversation, m: Message, me: User, i18n: I18n): string {
  const text = messagePreview(m, i18n);
  if (m.senderId === me.id) return i18n.t('chat.previewMine', { text });
  if (c.kind === 'group') {
    const sender = c.members.find((x) => x.userId === m.senderId)?.label || m.sender;
    return i18n.t('chat.previewFrom', { name: sender, text });
  }
  return text;
}

/** The presence of a 1:1's other member for screen readers (the avatar's badge shows it). */
function PresenceText({ address }: { address: string }) {
  const i18n = useI18n();
  const entry = usePresence(address);
  return <span className="sr-only">{presenceText(entry, i18n)}. </span>;
}

/** The query's words marked in a text. */
function marked(text: string, q: string): ReactNode[] {
  const words = q
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return [text];
  let at = 0;
  return text.split(new RegExp(`(${words.join('|')})`, 'gi')).map((part, i) => {
    const key = `${at}`;
    at += part.length;
    return i % 2 === 1 ? <mark key={key}>{part}</mark> : part;
  });
}

function SearchResults({ activeId }: { activeId: string | null }) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const me = useStore(services.me, (u) => u);
  const search = useStore(services.chat.state, (s) => s.search);
  const conversations = useStore(services.chat.state, (s) => s.conversations);
  const open = (m: Message) => {
    navigate(paths.chat(m.conversationId));
    void services.chat.jumpTo(m.conversationId, m.seq);
  };
  return (
    <section className="search-results" aria-label={t('chat.results')}>
      <p className="hint" aria-live="polite">
        {search.status === 'searching'
          ? t('contacts.searching')
          : search.status === 'failed'
            ? t('chat.searchFailed')
            : search.status === 'done' && search.results.length === 0
              ? t('chat.noResults', { q: search.q })
              : search.status === 'done'
                ? t('chat.resultCount', { n: search.results.length })
                : ''}
      </p>
      <ul className="list">
        {search.results.map((m) => {
          const c = conversations[m.conversationId];
          const title = c ? conversationName(c, me) : '';
          const sender =
            m.senderId === me.id ? t('chat.you') : (c?.members.find((x) => x.userId === m.senderId)?.label ?? m.sender);
          return (
            <li key={m.id} className="row-item result" data-result={m.id}>
              <button
                type="button"
                className="row-main"
                aria-current={m.conversationId === activeId ? 'true' : undefined}
                onClick={() => open(m)}
              >
                <span className="row-text">
                  <span className="row-title">{title}</span>
                  <span className="result-text">
                    <strong>{sender}:</strong> {marked(messagePreview(m, i18n), search.q)}
                  </span>
                </span>
                <span className="row-meta">
                  <time dateTime={m.createdAt}>{i18n.when(m.createdAt)}</time>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
