// XEP-0045 §10.1.3 and §10.2 room configuration over a core group, pure: the owner's form offers
// what the core keeps (the room's name, and its description, which is the group's topic like the
// subject) and states what every Parley room is (members-only, persistent, non-anonymous …). A
// submitted form may change the first; it must leave the rest as they are.

import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { DATA_FORMS } from './disco-info.js';
import { MUC } from './muc-render.js';
import { submittedFields } from './push.js';

export const MUC_OWNER = `${MUC}#owner`;
export const ROOMCONFIG = `${MUC}#roomconfig`;

export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 1000;

/** A fixed property of every room here: its value, label, and why it cannot be changed. */
interface Fixed {
  type: 'boolean' | 'list-single';
  value: string;
  label: string;
  why: string;
}

/** What every room is, as `muc#roomconfig` fields (XEP-0045 §15.5.3). */
export const FIXED: Readonly<Record<string, Fixed>> = {
  'muc#roomconfig_membersonly': {
    type: 'boolean',
    value: '1',
    label: 'Only members may enter',
    why: 'rooms here are members-only: their occupants are the members of the group',
  },
  'muc#roomconfig_persistentroom': {
    type: 'boolean',
    value: '1',
    label: 'Keep the room when the last occupant leaves',
    why: 'rooms here are groups; they stay until an owner destroys them',
  },
  'muc#roomconfig_publicroom': {
    type: 'boolean',
    value: '0',
    label: 'List the room publicly',
    why: 'a room is listed only to its members',
  },
  'muc#roomconfig_whois': {
    type: 'list-single',
    value: 'anyone',
    label: 'Who may see occupants’ addresses',
    why: 'members of a group see each other’s addresses',
  },
  'muc#roomconfig_moderatedroom': {
    type: 'boolean',
    value: '0',
    label: 'Only occupants with voice may speak',
    why: 'every member of a group may write',
  },
  'muc#roomconfig_passwordprotectedroom': {
    type: 'boolean',
    value: '0',
    label: 'A password is needed to enter',
    why: 'rooms here admit their members, not passwords',
  },
  'muc#roomconfig_changesubject': {
    type: 'boolean',
    value: '0',
    label: 'Occupants may change the subject',
    why: 'owners and admins of a group set its topic',
  },
  'muc#roomconfig_allowinvites': {
    type: 'boolean',
    value: '0',
    label: 'Occupants may invite others',
    why: 'owners and admins of a group add members (invitations by them add the invitee)',
  },
};

/** XEP-0004 booleans: `1`/`true` and `0`/`false`. */
const normalise = (type: Fixed['type'], v: string) =>
  type === 'boolean' ? (v === 'true' ? '1' : v === 'false' ? '0' : v) : v;

/** The owner's configuration form (XEP-0045 §10.1.3) for a room with this name and description. */
export function configForm(name: string, description: string): XmlElement {
  const field = (v: string, type: string, label: string, value: string, options: string[] = []) =>
    x(
      'field',
      { var: v, type, label },
      x('value', {}, value),
      options.map((o) => x('option', { label: o }, x('value', {}, o))),
    );
  return x(
    'query',
    { xmlns: MUC_OWNER },
    x(
      'x',
      { xmlns: DATA_FORMS, type: 'form' },
      x('title', {}, 'Room configuration'),
      x('instructions', {}, 'The room is a group: its name and description are the group’s name and topic.'),
      x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, ROOMCONFIG)),
      field('muc#roomconfig_roomname', 'text-single', 'Name', name),
      field('muc#roomconfig_roomdesc', 'text-single', 'Description', description),
      Object.entries(FIXED).map(([v, f]) =>
        field(v, f.type, f.label, f.value, f.type === 'list-single' ? [f.value] : []),
      ),
    ),
  );
}

/** What a submitted configuration changes in the group: `null` clears. */
export interface ConfigPatch {
  name?: string | null;
  topic?: string | null;
}

/**
 * Reads a submitted form (XEP-0045 §10.2): name and description become the group's name and
 * topic; a fixed property given its own value is fine, another value or an unknown field is
 * refused with not-acceptable and the reason.
 */
export function parseConfig(form: XmlElement): ConfigPatch {
  const fields = submittedFields(form);
  const formType = form
    .elements('field')
    .find((f) => f.attrs.var === 'FORM_TYPE')
    ?.childText('value');
  if (formType !== undefined && formType !== ROOMCONFIG) {
    throw new StanzaError('not-acceptable', `a room configuration form is of type ${ROOMCONFIG}`);
  }
  const patch: ConfigPatch = {};
  for (const [v, raw] of Object.entries(fields)) {
    const value = raw.trim();
    if (v === 'muc#roomconfig_roomname') {
      if (value.length > NAME_MAX)
        throw new StanzaError('not-acceptable', `the name has at most ${NAME_MAX} characters`);
      patch.name = value === '' ? null : value;
    } else if (v === 'muc#roomconfig_roomdesc') {
      if (value.length > DESCRIPTION_MAX)
        throw new StanzaError('not-acceptable', `the description has at most ${DESCRIPTION_MAX} characters`);
      patch.topic = value === '' ? null : value;
    } else {
      const fixed = Object.hasOwn(FIXED, v) ? FIXED[v] : undefined;
      if (!fixed) throw new StanzaError('not-acceptable', `${v} is not offered here`);
      if (normalise(fixed.type, value) !== fixed.value) throw new StanzaError('not-acceptable', `${v}: ${fixed.why}`);
    }
  }
  return patch;
}
