// XEP-0030 disco#info answers and XEP-0115 entity capabilities, as pure data and renderers: what
// an entity is (identities), what it does (features) and XEP-0128 extended info (data forms), and
// the caps verification string hashed over exactly that.
import { createHash } from 'node:crypto';
import { type XmlElement, x } from '../xml/element.js';

export const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const CAPS = 'http://jabber.org/protocol/caps';
export const DATA_FORMS = 'jabber:x:data';
/** The software's node in XEP-0115 `<c/>` elements (`node#ver` is what a peer asks disco about). */
export const CAPS_NODE = 'urn:parley:server';

export interface DiscoIdentity {
  category: string;
  type: string;
  name?: string | undefined;
  lang?: string | undefined;
}

/** A form of XEP-0128 extended info: its FORM_TYPE and fields (each with its values). */
export interface InfoForm {
  formType: string;
  fields: { var: string; values: string[] }[];
}

export interface DiscoInfo {
  identities: DiscoIdentity[];
  features: string[];
  forms: InfoForm[];
}

export interface DiscoItem {
  jid: string;
  name?: string | undefined;
  node?: string | undefined;
}

/** `i;octet` order (RFC 4790): by UTF-8 bytes, as XEP-0115 §5.1 sorts. */
const octets = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The XEP-0115 §5.1 verification string: SHA-1 over identities, features and forms, base64. */
export function capsVer(info: DiscoInfo): string {
  let s = '';
  const identities = info.identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`);
  for (const i of identities.sort(octets)) s += `${i}<`;
  for (const f of [...info.features].sort(octets)) s += `${f}<`;
  for (const form of [...info.forms].sort((a, b) => octets(a.formType, b.formType))) {
    s += `${form.formType}<`;
    const fields = form.fields.filter((f) => f.var !== 'FORM_TYPE').sort((a, b) => octets(a.var, b.var));
    for (const field of fields) {
      s += `${field.var}<`;
      for (const v of [...field.values].sort(octets)) s += `${v}<`;
    }
  }
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

/** The `<c/>` element (XEP-0115 §4) announcing `info` (in stream features or presence). */
export const capsElement = (info: DiscoInfo): XmlElement =>
  x('c', { xmlns: CAPS, hash: 'sha-1', node: CAPS_NODE, ver: capsVer(info) });

/** A data form of type result (XEP-0004) carrying `form`, with its FORM_TYPE as a hidden field. */
export const formElement = (form: InfoForm): XmlElement =>
  x(
    'x',
    { xmlns: DATA_FORMS, type: 'result' },
    x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, form.formType)),
    form.fields.map((f) =>
      x(
        'field',
        { var: f.var },
        f.values.map((v) => x('value', {}, v)),
      ),
    ),
  );

/** `<query xmlns=disco#info [node]>` with the identities, features (sorted, once each) and forms. */
export const infoQuery = (info: DiscoInfo, node?: string): XmlElement =>
  x(
    'query',
    { xmlns: DISCO_INFO, node },
    info.identities.map((i) => x('identity', { category: i.category, type: i.type, name: i.name, 'xml:lang': i.lang })),
    [...new Set(info.features)].sort().map((f) => x('feature', { var: f })),
    info.forms.map(formElement),
  );

/** `<query xmlns=disco#items [node]>` listing `items`. */
export const itemsQuery = (items: readonly DiscoItem[], node?: string): XmlElement =>
  x(
    'query',
    { xmlns: DISCO_ITEMS, node },
    items.map((i) => x('item', { jid: i.jid, name: i.name, node: i.node })),
  );
