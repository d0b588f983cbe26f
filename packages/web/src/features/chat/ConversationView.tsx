import type { Conversation, Message, User } from '@parley/api';
import { type ReactNode, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import { CallButton } from '../calls/CallButton';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import { Composer, type Draft } from './Composer';
import { ConfirmDialog } from './ConfirmDialog';
import type { PendingMessage, Thread } from './chat-store';
import { FileIcon } from './icons';
import { MembersButton } from './Members';
import { type MessageActions, MessageItem, Receipt, type ReceiptKind } from './MessageItem';
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
  const [draft, setDraft] = useState<Draft>(null);
  const [removing, setRemoving] = useState<Message | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    void services.chat.open(id).catch(() => undefined);
    return () => services.chat.close(id);
  }, [id, services]);

  const actions = useMemo<MessageActions>(() => {
    const fail = (err: unknown) => setFailure(errorText(err, t));
    const senderName = (m: Message) =>
      services.chat.state.get().conversations[id]?.members.find((x) => x.userId === m.senderId)?.label || m.sender;
    return {
      reply: (m) => {
        setDraft({ kind: 'reply', message: m, sender: senderName(m) });
        input.current?.focus();
      },
      edit: (m) => {
        setDraft({ kind: 'edit', message: m });
        input.current?.focus();
      },
      remove: (m) => setRemoving(m),
      react: (m, emoji, on) => {
        setFailure(null);
        services.chat.react(id, m.id, emoji, on).catch(fail);
      },
      show: (m) => void services.chat.jumpTo(id, m.seq),
    };
  }, [id, services, t]);

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
          ) : conversation.external ? (
            <span className="presence">{t('chat.external')}</span>
          ) : (
            <MembersButton conversation={conversation} />
          )}
        </div>
        {other && <CallButton to={other.address} name={name} />}
      </header>
      <MessageList conversation={conversation} thread={thread} me={me} name={name} actions={actions} />
      {failure && (
        <p className="composer-error thread-error" role="alert">
          {failure}
        </p>
      )}
      <TypingLine id={id} conversation={conversation} />
      <Composer id={id} name={name} draft={draft} setDraft={setDraft} input={input} />
      <ConfirmDialog
        open={removing !== null}
        title={t('chat.deleteTitle')}
        confirm={t('chat.delete')}
        onClose={() => {
          setRemoving(null);
          input.current?.focus();
        }}
        onConfirm={() => {
          if (!removing) return;
          if (draft?.message.id === removing.id) setDraft(null);
          setFailure(null);
          services.chat.deleteMessage(id, removing.id).catch((err: unknown) => setFailure(errorText(err, t)));
        }}
      >
        {t('chat.deleteText')}
      </ConfirmDialog>
    </section>
  );
}

function receiptOf(seq: number, c: Conversation, me: User): { kind: ReceiptKind; readers: number } {
  // A 1:1 with a user of another server: they are no member, their receipts are the conversation's.
  const others = c.externalReceipt ? [c.externalReceipt] : c.members.filter((m) => m.userId !== me.id);
  const readers = others.filter((m) => m.readSeq >= seq).length;
  if (others.length > 0 && readers === others.length) return { kind: 'read', readers };
  if (others.length > 0 && others.every((m) => m.deliveredSeq >= seq || m.readSeq >= seq))
    return { kind: 'delivered', readers };
  return { kind: 'sent', readers };
}

function MessageList({
  conversation,
  thread,
  me,
  name,
  actions,
}: {
  conversation: Conversation;
  thread: Thread | undefined;
  me: User;
  name: string;
  actions: MessageActions;
}) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const box = useRef<HTMLDivElement>(null);
  const seen = useRef({ first: 0, last: 0, pending: 0, height: 0, atBottom: true });
  const [flash, setFlash] = useState<number | null>(null);
  const jump = useStore(services.chat.state, (s) => (s.jump?.conversationId === conversation.id ? s.jump.seq : null));
  const messages = thread?.messages ?? [];
  const pending = thread?.pending ?? [];
  const group = conversation.kind === 'group';
  const moderator = group && conversation.role !== 'member';
  const members = conversation.members;
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.label || m.address])), [members]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);

  const nearTop = () => {
    const el = box.current;
    if (el && el.scrollTop < 200 && thread?.hasOlder && !thread.loadingOlder)
      void services.chat.loadOlder(conversation.id);
  };

  // Keep the view where the reader is: at the bottom for new messages, in place when older ones
  // are added above; at a message asked for (search, a quote).
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const s = seen.current;
    const first = messages[0]?.seq ?? 0;
    const last = messages.at(-1)?.seq ?? 0;
    const sentNow = pending.length > s.pending || (last > s.last && messages.at(-1)?.senderId === me.id);
    const target = jump === null ? null : el.querySelector<HTMLElement>(`[data-seq="${jump}"]`);
    if (target) {
      target.scrollIntoView({ block: 'center' });
      target.focus({ preventScroll: true });
      s.atBottom = false;
      setFlash(jump);
      services.chat.jumped();
    } else if (s.first > 0 && first < s.first) el.scrollTop += el.scrollHeight - s.height;
    else if (jump === null && (s.atBottom || sentNow)) el.scrollTop = el.scrollHeight;
    s.first = first;
    s.last = last;
    s.pending = pending.length;
    s.height = el.scrollHeight;
    if (jump === null) nearTop();
  });

  useEffect(() => {
    if (flash === null) return;
    const timer = setTimeout(() => setFlash(null), 2500);
    return () => clearTimeout(timer);
  }, [flash]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    seen.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    seen.current.height = el.scrollHeight;
    nearTop();
  };

  // An image that finished loading makes the list taller: stay at the bottom if the reader was.
  const onLoad = () => {
    const el = box.current;
    if (el && seen.current.atBottom) el.scrollTop = el.scrollHeight;
    if (el) seen.current.height = el.scrollHeight;
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
      onLoadCapture={onLoad}
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
          const mine = m.senderId === me.id;
          const receipt = mine ? receiptOf(m.seq, conversation, me) : null;
          const quoted = m.replyTo === null ? undefined : (byId.get(m.replyTo) ?? null);
          return (
            <DayAndMessage key={m.seq} day={showDay ? i18n.day(m.createdAt) : null}>
              <MessageItem
                message={m}
                quoted={quoted}
                quotedSender={quoted ? (names.get(quoted.senderId) ?? quoted.sender) : ''}
                mine={mine}
                sender={names.get(m.senderId) ?? m.sender}
                group={group}
                receipt={receipt?.kind ?? null}
                readers={receipt?.readers ?? 0}
                canDelete={mine || moderator}
                meId={me.id}
                names={names}
                highlight={flash === m.seq}
                actions={actions}
              />
            </DayAndMessage>
          );
        })}
        {pending.map((p) => (
          <PendingItem key={p.clientId} id={conversation.id} pending={p} />
        ))}
      </ol>
    </div>
  );
}

function DayAndMessage({ day, children }: { day: string | null; children: ReactNode }) {
  return (
    <>
      {day && (
        <li className="day" aria-hidden="true">
          <span>{day}</span>
        </li>
      )}
      {children}
    </>
  );
}

function PendingItem({ id, pending }: { id: string; pending: PendingMessage }) {
  const services = useServices();
  const { t } = useI18n();
  return (
    <li className={`msg mine pending ${pending.status}`} data-client-id={pending.clientId}>
      <span className="sr-only">{t('chat.you')}: </span>
      {pending.text && <p className="msg-text">{pending.text}</p>}
      {pending.attachments.length > 0 && (
        <ul className="files">
          {pending.attachments.map((a) => (
            <li key={a.id} className="file">
              <FileIcon /> <span className="file-name">{a.name}</span>
            </li>
          ))}
        </ul>
      )}
      <span className="msg-meta">
        {pending.status === 'waiting' && (
          <>
            <span>{t('chat.waiting')}</span>
            <button type="button" className="link-button" onClick={() => services.chat.discard(id, pending.clientId)}>
              {t('chat.discard')}
            </button>
          </>
        )}
        {pending.status === 'failed' && (
          <>
            <span role="alert">{t('chat.failed')}</span>
            <button
              type="button"
              className="link-button"
              onClick={() => void services.chat.retry(id, pending.clientId).catch(() => undefined)}
            >
              {t('chat.retry')}
            </button>
            <button type="button" className="link-button" onClick={() => services.chat.discard(id, pending.clientId)}>
              {t('chat.discard')}
            </button>
          </>
        )}
        {pending.status === 'sending' && <Receipt kind="sending" readers={0} group={false} />}
      </span>
    </li>
  );
}

function TypingLine({ id, conversation }: { id: string; conversation: Conversation }) {
  const services = useServices();
  const { t } = useI18n();
  const typing = useStore(services.chat.state, (s) => s.typing[id]);
  const who = Object.keys(typing ?? {}).map(
    (address) => conversation.members.find((m) => m.address === address)?.label ?? address,
  );
  return (
    <p className="typing" aria-live="polite">
      {who.length > 0 ? t('chat.typing', { name: who.join(', ') }) : ''}
    </p>
  );
}
