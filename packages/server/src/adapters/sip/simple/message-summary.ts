// RFC 3842 message-summary bodies for `message-summary` NOTIFYs (message waiting indication).
export const MESSAGE_SUMMARY_CONTENT_TYPE = 'application/simple-message-summary';

/** The RFC 3458 message classes RFC 3842 counts. */
export type MessageClass = 'voice-message' | 'fax-message' | 'pager-message' | 'multimedia-message' | 'text-message';

export interface MessageCounts {
  new: number;
  old: number;
  urgentNew?: number;
  urgentOld?: number;
}

export interface MessageSummary {
  /** The mailbox, e.g. `sip:alice@example.test`. */
  account: string;
  /** Per class; none given: no messages (what Parley says until voice mail exists). */
  counts?: Partial<Record<MessageClass, MessageCounts>>;
}

const order: MessageClass[] = ['voice-message', 'fax-message', 'pager-message', 'multimedia-message', 'text-message'];
const header = (c: MessageClass) => c.replace(/^./, (x) => x.toUpperCase()).replace(/-m/, '-M');
const count = (n: number | undefined) => {
  const v = n ?? 0;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('message counts must be non-negative integers');
  return v;
};

/**
 * The body: `Messages-Waiting: yes` when some class has new messages, the account, and a line per
 * counted class (`Voice-Message: 2/8 (0/2)`), CRLF-terminated.
 *
 * @example renderMessageSummary({ account: 'sip:alice@example.test' }) // "Messages-Waiting: no\r\nMessage-Account: sip:alice@example.test\r\n"
 */
export function renderMessageSummary(s: MessageSummary): string {
  if (/[\r\n]/.test(s.account) || s.account.trim() === '') throw new RangeError('account must be one URI');
  const lines = order.flatMap((c) => {
    const k = s.counts?.[c];
    if (!k) return [];
    const urgent = k.urgentNew !== undefined || k.urgentOld !== undefined;
    const u = urgent ? ` (${count(k.urgentNew)}/${count(k.urgentOld)})` : '';
    return [{ waiting: count(k.new) > 0, line: `${header(c)}: ${count(k.new)}/${count(k.old)}${u}` }];
  });
  return [
    `Messages-Waiting: ${lines.some((l) => l.waiting) ? 'yes' : 'no'}`,
    `Message-Account: ${s.account}`,
    ...lines.map((l) => l.line),
    '',
  ].join('\r\n');
}
