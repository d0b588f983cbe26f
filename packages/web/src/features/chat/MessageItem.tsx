import type { Message } from '@parley/api';
import { memo, type ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { AttachmentList } from './Attachments';
import { Menu } from './Menu';
import { messagePreview } from './names';

export type ReceiptKind = 'sending' | 'failed' | 'sent' | 'delivered' | 'read';

/** The quick reactions of the message menu. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '🙏'] as const;

export interface MessageActions {
  reply: (m: Message) => void;
  edit: (m: Message) => void;
  remove: (m: Message) => void;
  react: (m: Message, emoji: string, on: boolean) => void;
  /** Scrolls to a quoted message. */
  show: (m: Message) => void;
}

export function Receipt({ kind, readers, group }: { kind: ReceiptKind; readers: number; group: boolean }) {
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

/**
 * An action of the message menu that goes on elsewhere (the composer, a dialog): it closes the
 * menu without focusing the menu button, then acts.
 */
function MenuAction({
  close,
  act,
  danger,
  children,
}: {
  close: (focusButton?: boolean) => void;
  act: () => void;
  danger?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className={danger ? 'danger' : undefined}
      onClick={() => {
        close(false);
        act();
      }}
    >
      {children}
    </button>
  );
}

/**
 * One message: the quoted message it replies to, its text and attachments, the reactions (each a
 * toggle), time, edit mark and receipt, and a menu of actions (react, reply, edit, delete).
 */
export const MessageItem = memo(function MessageItem({
  message: m,
  quoted,
  quotedSender,
  mine,
  sender,
  group,
  receipt,
  readers,
  canDelete,
  meId,
  names,
  highlight,
  actions,
}: {
  message: Message;
  /** The message this one replies to, when it is loaded (null: not loaded; undefined: no reply). */
  quoted: Message | null | undefined;
  quotedSender: string;
  mine: boolean;
  sender: string;
  group: boolean;
  /** For the user's own messages. */
  receipt: ReceiptKind | null;
  readers: number;
  canDelete: boolean;
  meId: string;
  /** Display names by user id (who reacted). */
  names: ReadonlyMap<string, string>;
  highlight: boolean;
  actions: MessageActions;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const deleted = m.deletedAt !== null;
  return (
    <li
      className={`msg ${mine ? 'mine' : 'theirs'}${highlight ? ' highlight' : ''}`}
      data-seq={m.seq}
      data-sender={m.sender}
      tabIndex={-1}
    >
      {!mine && group ? (
        <span className="msg-sender">{sender}</span>
      ) : (
        <span className="sr-only">{mine ? t('chat.you') : sender}: </span>
      )}
      {quoted !== undefined &&
        (quoted ? (
          <button
            type="button"
            className="quote"
            aria-label={t('chat.quoteOf', { name: quotedSender, text: messagePreview(quoted, i18n) })}
            onClick={() => actions.show(quoted)}
          >
            <span className="quote-sender">{quotedSender}</span>{' '}
            <span className="quote-text">{messagePreview(quoted, i18n)}</span>
          </button>
        ) : (
          <span className="quote">
            <span className="quote-text">{t('chat.quoteEarlier')}</span>
          </span>
        ))}
      {(deleted || m.text) && (
        <p className={`msg-text${deleted ? ' deleted' : ''}`}>{deleted ? t('chat.deleted') : m.text}</p>
      )}
      {!deleted && <AttachmentList attachments={m.attachments} />}
      {m.reactions.length > 0 && (
        <ul className="reactions" aria-label={t('chat.reactions')}>
          {m.reactions.map((r) => {
            const on = r.userIds.includes(meId);
            const who = r.userIds.map((u) => (u === meId ? t('chat.you') : (names.get(u) ?? '?'))).join(', ');
            const label = t(on ? 'chat.reactionOn' : 'chat.reactionOff', { emoji: r.emoji, n: r.userIds.length, who });
            return (
              <li key={r.emoji}>
                <button
                  type="button"
                  className="reaction"
                  aria-pressed={on}
                  aria-label={label}
                  title={who}
                  data-emoji={r.emoji}
                  onClick={() => actions.react(m, r.emoji, !on)}
                >
                  <span aria-hidden="true">
                    {r.emoji} {r.userIds.length}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <span className="msg-meta">
        <time dateTime={m.createdAt}>{i18n.time(m.createdAt)}</time>
        {m.editedAt && !deleted && <span> · {t('chat.edited')}</span>}
        {receipt && <Receipt kind={receipt} readers={readers} group={group} />}
        {!deleted && (
          <Menu label={t('chat.actions')} icon={<span aria-hidden="true">⋯</span>} className="msg-actions">
            {(close) => (
              <>
                <div className="menu-reactions">
                  {QUICK_REACTIONS.map((emoji) => {
                    const on = m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(meId));
                    return (
                      <button
                        key={emoji}
                        type="button"
                        role="menuitem"
                        tabIndex={-1}
                        className="menu-emoji"
                        aria-label={t(on ? 'chat.unreactWith' : 'chat.reactWith', { emoji })}
                        title={t(on ? 'chat.unreactWith' : 'chat.reactWith', { emoji })}
                        onClick={() => {
                          close();
                          actions.react(m, emoji, !on);
                        }}
                      >
                        {emoji}
                      </button>
                    );
                  })}
                </div>
                <MenuAction close={close} act={() => actions.reply(m)}>
                  {t('chat.reply')}
                </MenuAction>
                {mine && (
                  <MenuAction close={close} act={() => actions.edit(m)}>
                    {t('chat.edit')}
                  </MenuAction>
                )}
                {canDelete && (
                  <MenuAction close={close} act={() => actions.remove(m)} danger>
                    {t('chat.delete')}
                  </MenuAction>
                )}
              </>
            )}
          </Menu>
        )}
      </span>
    </li>
  );
});
