// XEP-0163 PEP over XEP-0060 pubsub, the stanzas: what a `<pubsub/>` IQ to an account asks
// (items, publish with publish-options, create with a configuration, retract; the owner's
// configure, default, purge, delete),
// and the results, configuration forms and event notifications. Pure: pep.ts calls the core.
import type { PepItem, PepNodeConfig } from '../../../core/pep/model.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { type ParserLimits, parseFrame } from '../xml/parser.js';
import { PUBSUB, PUBSUB_ERRORS, PUBSUB_EVENT } from './avatar-pep.js';
import { DATA_FORMS } from './disco-info.js';
import { submittedFields } from './push.js';

export const PUBSUB_OWNER = `${PUBSUB}#owner`;
const NODE_CONFIG = `${PUBSUB}#node_config`;

/** Configuration fields as a client names them, for the core (`configFrom`). */
export type AskedConfig = Partial<Record<keyof PepNodeConfig, string>>;

/** What a `<pubsub/>` IQ asks. */
export type PepRequest =
  | { kind: 'items'; node: string; ids: string[] | undefined; max: number | undefined }
  | { kind: 'publish'; node: string; id: string | undefined; payload: XmlElement; options: AskedConfig | undefined }
  | { kind: 'create'; node: string; options: AskedConfig | undefined }
  | { kind: 'retract'; node: string; ids: string[]; notify: boolean }
  | { kind: 'configure'; node: string; form: AskedConfig | undefined }
  | { kind: 'default' }
  | { kind: 'purge' | 'delete'; node: string };

/** The form fields that are the core's configuration. */
const FIELDS: Record<string, keyof PepNodeConfig> = {
  'pubsub#access_model': 'access',
  'pubsub#max_items': 'maxItems',
  'pubsub#send_last_published_item': 'sendLast',
};
/** Fields of what this server always does, which a client may ask for but not change. */
const FIXED: Record<string, string> = {
  'pubsub#persist_items': 'true',
  'pubsub#deliver_payloads': 'true',
  'pubsub#deliver_notifications': 'true',
};
const truth = (v: string) => (v === '1' ? 'true' : v === '0' ? 'false' : v);

const unsupported = (feature: string, text: string) =>
  new StanzaError('feature-not-implemented', text, 'cancel', x('unsupported', { xmlns: PUBSUB_ERRORS, feature }));

/**
 * A submitted node configuration (publish-options or a configure form): the core's fields, with
 * the fixed ones checked. Anything else, or a fixed field asked otherwise, is `refuse`d: a
 * publish's precondition not met (XEP-0060 §7.1.5), a configuration not acceptable (§8.2.5).
 */
function askedConfig(form: XmlElement, refuse: (text: string) => StanzaError): AskedConfig {
  const asked: AskedConfig = {};
  for (const [name, value] of Object.entries(submittedFields(form))) {
    const field = FIELDS[name];
    if (field) asked[field] = value;
    else if (FIXED[name] === undefined) throw refuse(`${name} is not supported`);
    else if (truth(value) !== FIXED[name]) throw refuse(`${name} is always ${FIXED[name]} here`);
  }
  return asked;
}

export const preconditionNotMet = (text: string) =>
  new StanzaError('conflict', text, 'cancel', x('precondition-not-met', { xmlns: PUBSUB_ERRORS }));

function nodeOf(el: XmlElement | undefined, what: string): string {
  const node = el?.attrs.node;
  if (!node)
    throw new StanzaError(
      'bad-request',
      `<${what}/> needs a node`,
      'modify',
      x('nodeid-required', { xmlns: PUBSUB_ERRORS }),
    );
  return node;
}

const itemIds = (el: XmlElement) => el.elements('item').flatMap((i) => (i.attrs.id ? [i.attrs.id] : []));

/** Reads a `<pubsub/>` (`#owner` too) get or set; refuses what it cannot be, or what PEP here does not do. */
export function parsePep(type: 'get' | 'set', pubsub: XmlElement): PepRequest {
  const [op, ...rest] = pubsub.elements();
  if (!op) throw new StanzaError('bad-request', 'an empty <pubsub/>');
  if (pubsub.xmlns === PUBSUB_OWNER) {
    if (op.name === 'default' && type === 'get') return { kind: 'default' };
    if (op.name === 'configure') {
      const form = op.child('x', DATA_FORMS);
      if (type === 'set' && !form) throw new StanzaError('bad-request', 'a configuration form to submit');
      const asked =
        type === 'set' && form ? askedConfig(form, (text) => new StanzaError('not-acceptable', text)) : undefined;
      return { kind: 'configure', node: nodeOf(op, 'configure'), form: asked };
    }
    if ((op.name === 'purge' || op.name === 'delete') && type === 'set')
      return { kind: op.name, node: nodeOf(op, op.name) };
    throw unsupported(op.name, `<${op.name}/> is not supported on a personal node`);
  }
  if (op.name === 'items' && type === 'get') {
    const ids = itemIds(op);
    const max = op.attrs.max_items === undefined ? undefined : Number(op.attrs.max_items);
    if (max !== undefined && !(Number.isInteger(max) && max > 0))
      throw new StanzaError('bad-request', 'max_items must be a positive number');
    return { kind: 'items', node: nodeOf(op, 'items'), ids: ids.length > 0 ? ids : undefined, max };
  }
  if (op.name === 'publish' && type === 'set') {
    const node = nodeOf(op, 'publish');
    const items = op.elements('item');
    const payloads = items[0]?.elements() ?? [];
    if (items.length !== 1 || payloads.length !== 1) {
      throw new StanzaError(
        'bad-request',
        'one item with one payload',
        'modify',
        x(items.length > 1 ? 'invalid-payload' : 'item-required', { xmlns: PUBSUB_ERRORS }),
      );
    }
    const form = rest.find((e) => e.name === 'publish-options')?.child('x', DATA_FORMS);
    const options = form ? askedConfig(form, preconditionNotMet) : undefined;
    return { kind: 'publish', node, id: items[0]?.attrs.id || undefined, payload: payloads[0] as XmlElement, options };
  }
  if (op.name === 'create' && type === 'set') {
    // No instant nodes (§8.1.2): a personal node is named by the client that uses it.
    if (!op.attrs.node)
      throw new StanzaError(
        'not-acceptable',
        'a personal node needs a name',
        'modify',
        x('nodeid-required', { xmlns: PUBSUB_ERRORS }),
      );
    const form = rest.find((e) => e.name === 'configure')?.child('x', DATA_FORMS);
    const options = form ? askedConfig(form, (text) => new StanzaError('not-acceptable', text)) : undefined;
    return { kind: 'create', node: op.attrs.node, options };
  }
  if (op.name === 'retract' && type === 'set') {
    const ids = itemIds(op);
    if (ids.length === 0)
      throw new StanzaError(
        'bad-request',
        'an item id to retract',
        'modify',
        x('item-required', { xmlns: PUBSUB_ERRORS }),
      );
    const notify = op.attrs.notify === 'true' || op.attrs.notify === '1';
    return { kind: 'retract', node: nodeOf(op, 'retract'), ids, notify };
  }
  throw unsupported(op.name, `<${op.name}/> is not supported on a personal node`);
}

/** A payload to keep: serialised with its namespace declared, so that it reads back as it was. */
export const storedPayload = (payload: XmlElement): string =>
  payload.withAttrs({ xmlns: payload.attrs.xmlns ?? PUBSUB }).toString();

/** What a payload kept is read back under (it was parsed under the stream's limits before). */
const STORED: ParserLimits = {
  maxStanzaSize: Number.POSITIVE_INFINITY,
  maxDepth: 64,
  maxAttributes: 256,
  maxChildren: 100_000,
};

/** A kept payload as an element again. */
export function payloadOf(stored: string): XmlElement {
  const event = parseFrame(stored, STORED);
  if (event.kind !== 'element') throw new Error('a stored PEP payload is not one element');
  return event.element;
}

const itemOf = (i: Pick<PepItem, 'id' | 'payload'>) => x('item', { id: i.id }, payloadOf(i.payload));

/** The answer to an items request: the items oldest first (the core gives the newest first). */
export const itemsResult = (node: string, items: readonly PepItem[]): XmlElement =>
  x('pubsub', { xmlns: PUBSUB }, x('items', { node }, [...items].reverse().map(itemOf)));

const field = (v: string, type: string, value: string, options?: readonly string[]) =>
  x(
    'field',
    { var: v, type },
    x('value', {}, value),
    options?.map((o) => x('option', {}, x('value', {}, o))),
  );

/** A node's configuration as a form (XEP-0060 §8.2.1, the fields this server knows). */
export function configForm(config: PepNodeConfig, node?: string): XmlElement {
  const form = x(
    'x',
    { xmlns: DATA_FORMS, type: 'form' },
    field('FORM_TYPE', 'hidden', NODE_CONFIG),
    field('pubsub#access_model', 'list-single', config.access, ['open', 'presence', 'roster', 'whitelist']),
    field('pubsub#max_items', 'text-single', String(config.maxItems)),
    field('pubsub#send_last_published_item', 'list-single', config.sendLast, [
      'never',
      'on_sub',
      'on_sub_and_presence',
    ]),
    Object.entries(FIXED).map(([name, value]) => field(name, 'boolean', value)),
  );
  const op = node === undefined ? x('default', {}, form) : x('configure', { node }, form);
  return x('pubsub', { xmlns: PUBSUB_OWNER }, op);
}

/** What a notification says (XEP-0060 §7.1.2.1, §7.2.2.1, §8.4.2, §8.5.2). */
export type PepChange =
  | { published: Pick<PepItem, 'id' | 'payload'> }
  | { retracted: readonly string[] }
  | { cleared: 'purged' | 'deleted' };

/** The notification of a change of `owner`'s `node`, to be addressed to each reader (`withAttrs({ to })`). */
export function eventOf(owner: string, node: string, change: PepChange): XmlElement {
  let body: XmlElement;
  if ('published' in change) body = x('items', { node }, itemOf(change.published));
  else if ('retracted' in change)
    body = x(
      'items',
      { node },
      change.retracted.map((id) => x('retract', { id })),
    );
  else body = x(change.cleared === 'purged' ? 'purge' : 'delete', { node });
  return x('message', { from: owner, type: 'headline' }, x('event', { xmlns: PUBSUB_EVENT }, body));
}
