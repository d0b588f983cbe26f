// XEP-0045 owner use cases over a core group: the configuration form (§10.1.3, §10.2) whose name
// and description are the group's name and topic, and destroying the room (§10.9), which
// dissolves the group. The core decides who may (owners and admins change a group; owners end it).
import type { Caller, ConversationService } from '../../../core/messaging/conversations.js';
import type { MemberConversation } from '../../../core/messaging/model.js';
import { StanzaError } from '../errors.js';
import type { XmlElement } from '../xml/element.js';
import { DATA_FORMS } from './disco-info.js';
import { configForm, parseConfig } from './muc-config.js';

/** Answers a muc#owner get or set; the result's payload (none for a set). */
export async function ownerQuery(
  conversations: ConversationService,
  caller: Caller,
  c: MemberConversation,
  query: XmlElement,
  get: boolean,
): Promise<XmlElement | undefined> {
  if (get) {
    if (c.role === 'member') throw new StanzaError('forbidden', 'only owners and admins configure a room');
    return configForm(c.name ?? '', c.topic ?? '');
  }
  if (query.child('destroy')) {
    await conversations.dissolve(caller, c.id);
    return undefined;
  }
  const form = query.child('x', DATA_FORMS);
  if (!form) throw new StanzaError('bad-request', 'submit a configuration form or destroy the room');
  // Cancelling leaves the room as it is (it is a group already, usable as created).
  if (form.attrs.type === 'cancel') return undefined;
  if (form.attrs.type !== 'submit') throw new StanzaError('bad-request', 'a configuration form is submitted');
  const patch = parseConfig(form);
  if (Object.keys(patch).length > 0) await conversations.update(caller, c.id, patch);
  return undefined;
}
