// SASL in XMPP (RFC 6120 §6): the mechanisms offered on a connection and the exchange of one
// authentication, on the core's checks (PLAIN, SCRAM-SHA-1/-256 and their -PLUS variants) and its
// one login throttle. Failures are the RFC 6120 §6.5 conditions.
import type { Services } from '../../../compose.js';
import { type SaslMechanism, saslMechanisms } from '../../../core/auth/sasl.js';
import type { ScramMechanism } from '../../../core/auth/scram.js';
import type { ScramExchange } from '../../../core/auth/service.js';
import { asParleyError } from '../../../core/errors.js';
import type { User } from '../../../core/users/model.js';
import { type XmlElement, x } from '../xml/element.js';

export const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** RFC 6120 §6.5 conditions this server sends. */
export type SaslCondition =
  | 'aborted'
  | 'incorrect-encoding'
  | 'invalid-authzid'
  | 'invalid-mechanism'
  | 'malformed-request'
  | 'not-authorized'
  | 'temporary-auth-failure';

/** What a SASL element leads to: a reply, and the user once the authentication succeeded. */
export interface SaslStep {
  reply: XmlElement;
  user?: User;
  /** The step failed (counted towards the stream's retries). */
  failed?: boolean;
}

export interface SaslChannel {
  address: string;
  domain: string;
  secure: boolean;
  channelBindings: Record<string, Buffer>;
  /** Offer PLAIN although the channel is not encrypted (WebSocket behind a plain HTTP listener, when configured). */
  allowPlain?: boolean;
}

/** The mechanisms to offer, strongest first. */
export function mechanismsFor(channel: SaslChannel): SaslMechanism[] {
  const offered = saslMechanisms({ secure: channel.secure, channelBindings: Object.keys(channel.channelBindings) });
  return channel.allowPlain && !offered.includes('PLAIN') ? [...offered, 'PLAIN'] : offered;
}

export const mechanismsElement = (mechanisms: readonly string[]): XmlElement =>
  x('mechanisms', { xmlns: SASL_NS }, ...mechanisms.map((m) => x('mechanism', {}, m)));

/** XEP-0440: the channel binding types the -PLUS mechanisms take here (none: no element). */
export function channelBindingTypes(channel: SaslChannel): XmlElement | undefined {
  const types = Object.keys(channel.channelBindings);
  if (!channel.secure || types.length === 0) return undefined;
  return x(
    'sasl-channel-binding',
    { xmlns: 'urn:xmpp:sasl-cb:0' },
    ...types.map((type) => x('channel-binding', { type })),
  );
}

export const saslFailure = (condition: SaslCondition, text?: string): XmlElement =>
  x('failure', { xmlns: SASL_NS }, x(condition), text !== undefined && x('text', { 'xml:lang': 'en' }, text));

const failed = (condition: SaslCondition, text?: string): SaslStep => ({
  reply: saslFailure(condition, text),
  failed: true,
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An element's base64 content (`=` is empty); null when it is not base64. */
function decode(el: XmlElement): Buffer | null {
  const text = el.text().replace(/\s+/g, '');
  if (text === '=' || text === '') return Buffer.alloc(0);
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

const encode = (message: string) => Buffer.from(message, 'utf8').toString('base64') || '=';

/**
 * One authentication on one stream: `step` takes `<auth/>`, `<response/>` and `<abort/>`.
 * @example
 * const sasl = new SaslNegotiation(core, channel);
 * const { reply, user } = await sasl.step(element); // send reply; user set on <success/>
 */
export class SaslNegotiation {
  private scram: ScramExchange | undefined;
  private scramStarted = false;
  private readonly mechanisms: SaslMechanism[];

  constructor(
    private readonly core: Services,
    private readonly channel: SaslChannel,
  ) {
    this.mechanisms = mechanismsFor(channel);
  }

  async step(el: XmlElement): Promise<SaslStep> {
    if (el.name === 'abort') {
      this.scram = undefined;
      return failed('aborted');
    }
    const data = decode(el);
    if (el.name === 'auth') {
      this.scram = undefined;
      const mechanism = el.attrs.mechanism as SaslMechanism;
      if (!this.mechanisms.includes(mechanism)) return failed('invalid-mechanism');
      if (data === null) return failed('incorrect-encoding');
      if (mechanism === 'PLAIN') return this.plain(data);
      this.scram = this.core.auth.scram({
        protocol: 'xmpp',
        address: this.channel.address,
        domain: this.channel.domain,
        mechanism: mechanism as ScramMechanism,
        channelBindings: this.channel.channelBindings,
      });
      this.scramStarted = false;
      // No initial response: an empty challenge asks for it (RFC 6120 §6.4.2).
      if (data.length === 0 && el.text() !== '=') return { reply: x('challenge', { xmlns: SASL_NS }) };
      return this.scramStep(data);
    }
    if (el.name === 'response') {
      if (!this.scram) return failed('malformed-request', 'no authentication in progress');
      if (data === null) return failed('incorrect-encoding');
      return this.scramStep(data);
    }
    return failed('malformed-request');
  }

  private async plain(data: Buffer): Promise<SaslStep> {
    try {
      const user = await this.core.auth.plain({
        protocol: 'xmpp',
        address: this.channel.address,
        domain: this.channel.domain,
        message: data,
      });
      return { reply: x('success', { xmlns: SASL_NS }), user };
    } catch (err) {
      switch (asParleyError(err)?.code) {
        case 'PARLEY_ERR_TOO_MANY_REQUESTS':
          return failed('temporary-auth-failure', 'too many failed sign-ins: try again later');
        case 'PARLEY_ERR_VALIDATION':
          return failed('malformed-request');
        case 'PARLEY_ERR_FORBIDDEN':
          return failed('invalid-authzid');
        case 'PARLEY_ERR_INVALID_CREDENTIALS':
          return failed('not-authorized');
        default:
          throw err;
      }
    }
  }

  private async scramStep(data: Buffer): Promise<SaslStep> {
    const scram = this.scram as ScramExchange;
    const message = data.toString('utf8');
    if (!this.scramStarted) {
      this.scramStarted = true;
      const first = await scram.start(message);
      if (first.ok) return { reply: x('challenge', { xmlns: SASL_NS }, encode(first.message)) };
      this.scram = undefined;
      if (first.retryAfter > 0) return failed('temporary-auth-failure', 'too many failed sign-ins: try again later');
      return failed(first.error === 'other-error' ? 'invalid-authzid' : 'malformed-request', first.message);
    }
    this.scram = undefined;
    const final = await scram.finish(message);
    if (final.ok) return { reply: x('success', { xmlns: SASL_NS }, encode(final.message)), user: final.user };
    return failed(final.error === 'invalid-encoding' ? 'malformed-request' : 'not-authorized', final.message);
  }
}
