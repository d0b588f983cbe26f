import type { Conversation, Message, User } from '@parley/api';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { ParleyApiError } from '../../lib/api';
import { useStore } from '../../lib/store';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import type { PendingMessage, Thread } from './chat-store';
import { conversationName, otherMember } from './names';

/** One conversation: its history (older pages load when scrolling up), typing line and composer. */
export function ConversationView({ id }: { id: string }) {
  const services = useServices();
  const { t } = useI18n();
  const titleId = useId();
  const me = useStore(services.me, (u) => u);
  const conversation = useStore(services.chat.state, (s) => s.conversations[id]);
  const thread = useStore(services.chat.state, (s) => s.threads[id]);
  const missing = useStore(services.chat.state, (s) => s.missing.includes(id));

  useEffect(() => {
    void services.chat.open(id).catch(() => undefined);
    return () => services.chat.close(id);
  }, [id, services]);

  if (missing) return <p className="empty">{t('chat.notFound')}</p>;
  if (!conversation) return <p className="empty">{t('app.loading')}</p>;
  const name = conversationName(conversation, me);
  const other = otherMember(conversation, me);
  return (
    <section className="thread" aria-labelledby={titleId} data-conversation={id}>
      <header className="thread-head">
        <Link to={paths.chats} className="icon-button back" aria-label={t('chat.back')} title={t('chat.back')}>
          <span aria-hidden="true">←</span>
        </Link>
        <Avatar name={name} address={other?.address} />
        <div className="thread-title">
          <h2 id={titleId}>{name}</h2>
          {other ? (
            <PresenceLine address={other.address} />
          ) : (
            <span className="row-sub">{t('chat.group', { n: conversation.members.length })}</span>
          )}
        </div>
      </header>
      <MessageList conversation={conversation} thread={thread} me={me} name={name} />
      <TypingLine id={id} conversation={conversation} />
      <Composer id={id} name={name} />
    </section>
  );
}

type ReceiptKind = 'sending' | 'failed' | 'sent' | 'delivered' | 'read';

function receiptOf(seq: number, c: Conversation, me: User): { kind: ReceiptKind; readers: number } {
  const others = c.members.filter((m) => m.userId !== me.id);
  const readers = others.filter((m) => m.readSeq >= seq).length;
  if (others.length > 0 && readers === others.length) return { kind: 'read', readers };
  if (others.length > 0 && others.every((m) => m.deliveredSeq >= seq || m.readSeq >= seq))
    return { kind: 'delivered', readers };
  return { kind: 'sent', readers };
}

function Receipt({ kind, readers, group }: { kind: ReceiptKind; readers: number; group: boolean }) {
  const { t } = useI18n();
  if (kind === 'failed') return null;
  const label = group && readers > 0 && kind !== 'read' ? t('chat.readBy', { n: readers }) : t(`chat.receipt.${kind}`);
  const icon = kind === 'sending' ? '○' : kind === 'sent' ? '✓' : '✓✓';
  return (
    <span className="receipt" data-receipt={kind} title={label}>
      <span aria-hidden="true">{icon}</span>
      <span className="sr-only">{label}</span>
    </span>
  );
}

function MessageList({
  conversation,
  thread,
  me,
  name,
}: {
  conversation: Conversation;
  thread: Thread | undefined;
  me: User;
  name: string;
}) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const box = useRef<HTMLDivElement>(null);
  const seen = useRef({ first: 0, height: 0, atBottom: true });
  const messages = thread?.messages ?? [];
  const pending = thread?.pending ?? [];
  const group = conversation.kind === 'group';
  const names = new Map(conversation.members.map((m) => [m.userId, m.displayName || m.address]));

  const nearTop = () => {
    const el = box.current;
    if (el && el.scrollTop < 200 && thread?.hasOlder && !thread.loadingOlder)
      void services.chat.loadOlder(conversation.id);
  };

  // Keep the view where the reader is: at the bottom for new messages, in place when older ones
  // are added above.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const s = seen.current;
    const first = messages[0]?.seq ?? 0;
    const lastMine = pending.length > 0 || messages.at(-1)?.senderId === me.id;
    if (s.first > 0 && first < s.first) el.scrollTop += el.scrollHeight - s.height;
    else if (s.atBottom || lastMine) el.scrollTop = el.scrollHeight;
    s.first = first;
    s.height = el.scrollHeight;
    nearTop();
  });

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    seen.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    seen.current.height = el.scrollHeight;
    nearTop();
  };

  let lastDay = '';
  return (
    <div
      ref={box}
      className="messages"
      role="log"
      aria-label={t('chat.history', { name })}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
      tabIndex={0}
      onScroll={onScroll}
    >
      <p className="history-edge">
        {!thread?.loaded
          ? t('app.loading')
          : thread.hasOlder
            ? thread.loadingOlder
              ? t('chat.loadingOlder')
              : ''
            : t('chat.beginning')}
      </p>
      <ol className="message-list">
        {messages.map((m) => {
          const day = new Date(m.createdAt).toDateString();
          const showDay = day !== lastDay;
          lastDay = day;
          return (
            <MessageItem
              key={m.seq}
              message={m}
              dayLabel={showDay ? i18n.day(m.createdAt) : null}
              mine={m.senderId === me.id}
              sender={names.get(m.senderId) ?? m.sender}
              group={group}
              receipt={m.senderId === me.id ? receiptOf(m.seq, conversation, me) : null}
            />
          );
        })}
        {pending.map((p) => (
          <PendingItem key={p.clientId} id={conversation.id} pending={p} />
        ))}
      </ol>
    </div>
  );
}

function MessageItem({
  message: m,
  dayLabel,
  mine,
  sender,
  group,
  receipt,
}: {
  message: Message;
  dayLabel: string | null;
  mine: boolean;
  sender: string;
  group: boolean;
  receipt: { kind: ReceiptKind; readers: number } | null;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <>
      {dayLabel && (
        <li className="day" aria-hidden="true">
          <span>{dayLabel}</span>
        </li>
      )}
      <li className={`msg ${mine ? 'mine' : 'theirs'}`} data-seq={m.seq} data-sender={m.sender}>
        {!mine && group ? (
          <span className="msg-sender">{sender}</span>
        ) : (
          <span className="sr-only">{mine ? t('chat.you') : sender}: </span>
        )}
        <p className={`msg-text${m.deletedAt ? ' deleted' : ''}`}>{m.deletedAt ? t('chat.deleted') : m.text}</p>
        <span className="msg-meta">
          <time dateTime={m.createdAt}>{i18n.time(m.createdAt)}</time>
          {m.editedAt && <span> · {t('chat.edited')}</span>}
          {receipt && <Receipt kind={receipt.kind} readers={receipt.readers} group={group} />}
        </span>
      </li>
    </>
  );
}

function PendingItem({ id, pending }: { id: string; pending: PendingMessage }) {
  const services = useServices();
  const { t } = useI18n();
  return (
    <li className={`msg mine pending${pending.failed ? ' failed' : ''}`} data-client-id={pending.clientId}>
      <span className="sr-only">{t('chat.you')}: </span>
      <p className="msg-text">{pending.text}</p>
      <span className="msg-meta">
        {pending.failed ? (
          <>
            <span role="alert">{t('chat.failed')}</span>
            <button
              type="button"
              className="link-button"
              onClick={() => void services.chat.retry(id, pending.clientId).catch(() => undefined)}
            >
              {t('chat.retry')}
            </button>
          </>
        ) : (
          <Receipt kind="sending" readers={0} group={false} />
        )}
      </span>
    </li>
  );
}

function TypingLine({ id, conversation }: { id: string; conversation: Conversation }) {
  const services = useServices();
  const { t } = useI18n();
  const typing = useStore(services.chat.state, (s) => s.typing[id]);
  const who = Object.keys(typing ?? {}).map(
    (address) => conversation.members.find((m) => m.address === address)?.displayName ?? address,
  );
  return (
    <p className="typing" aria-live="polite">
      {who.length > 0 ? t('chat.typing', { name: who.join(', ') }) : ''}
    </p>
  );
}

const TYPING_REPEAT_MS = 3000;

function Composer({ id, name }: { id: string; name: string }) {
  const services = useServices();
  const { t } = useI18n();
  const fieldId = useId();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const typingSent = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);

  // The composer of a newly opened conversation (a new instance: the view is keyed by id) has the
  // focus where there is a keyboard.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, []);

  const stopTyping = () => {
    if (typingSent.current === 0) return;
    typingSent.current = 0;
    services.chat.typing(id, false);
  };

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body) return;
    setText('');
    setError(null);
    stopTyping();
    services.chat.send(id, body).catch((err: unknown) => {
      setError(
        err instanceof ParleyApiError && err.code === 'PARLEY_ERR_BODY_TOO_LARGE'
          ? t('error.tooLarge')
          : t('error.generic', { message: (err as Error).message }),
      );
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
  };

  const onChange = (value: string) => {
    setText(value);
    if (!value.trim()) return stopTyping();
    if (Date.now() - typingSent.current > TYPING_REPEAT_MS) {
      typingSent.current = Date.now();
      services.chat.typing(id, true);
    }
  };

  return (
    <form className="composer" onSubmit={send}>
      <label htmlFor={fieldId} className="sr-only">
        {t('chat.composer', { name })}
      </label>
      <textarea
        ref={input}
        id={fieldId}
        rows={1}
        value={text}
        placeholder={t('chat.composer', { name })}
        aria-describedby={`${fieldId}-hint`}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => !text.trim() && stopTyping()}
      />
      <span id={`${fieldId}-hint`} className="sr-only">
        {t('chat.composerHint')}
      </span>
      <button type="submit" className="primary" disabled={!text.trim()}>
        {t('chat.send')}
      </button>
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
