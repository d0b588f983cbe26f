// XEP-0045 owner use cases over a core group: the configuration form (§10.1.3, §10.2) whose name
// and description are the group's name and topic (its first submission unlocks a new room;
// cancelling it destroys the room), and destroying the room (§10.9), which dissolves the group. The core decides who may (owners and admins change a group; owners end it).
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
  // §10.1.3: cancelling a new room's configuration destroys it; a configured room stays as it is.
  if (form.attrs.type === 'cancel') {
    if (c.locked) await conversations.dissolve(caller, c.id);
    return undefined;
  }
  if (form.attrs.type !== 'submit') throw new StanzaError('bad-request', 'a configuration form is submitted');
  const patch = parseConfig(form);
  // §10.1.2: any submitted form, an instant room's empty one too, opens a new room to its members.
  if (c.locked) await conversations.unlock(caller, c.id);
  if (Object.keys(patch).length > 0) await conversations.update(caller, c.id, patch);
  return undefined;
}
