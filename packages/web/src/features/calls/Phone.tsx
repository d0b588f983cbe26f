import type { Call, User } from '@parley/api';
import { type FormEvent, useId, useState } from 'react';
import { Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { type MessageKey, useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { ActionStatus, useAction } from '../admin/ui';
import { openSettings } from '../settings/settings-sheet';
import { type ActionBody, type CallAction, isIncoming, otherParty, partyLabel } from './calls-store';

/** The keys of a telephone keypad (ITU-T E.161), row by row. */
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** A 3×4 keypad; each key calls `press` with its digit. */
function Keypad({ label, press }: { label: string; press: (digit: string) => void }) {
  return (
    <fieldset className="keypad">
      <legend className="sr-only">{label}</legend>
      {KEYS.map((k) => (
        <button key={k} type="button" onClick={() => press(k)}>
          {k}
        </button>
      ))}
    </fieldset>
  );
}

/** What the user's side of a call is doing, as a text key. */
function stateKey(call: Call, me: User): MessageKey {
  if (isIncoming(call, me)) return 'phone.state.incoming';
  if (call.state === 'held') return 'phone.state.held';
  if (call.state === 'connected' && call.answeredAt !== null) return 'phone.state.connected';
  return 'phone.state.calling';
}

/**
 * The buttons of one live call. Transfer and consult take a number; with a second call connected,
 * a held call can be swapped with it, transferred to it (attended) or joined with it in a
 * conference. Every refusal (the phone cannot answer remotely, a service not available yet) shows
 * its reason.
 */
function CallControls({ call, other }: { call: Call; other: Call | undefined }) {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const [state, run] = useAction();
  const [to, setTo] = useState('');
  const [pad, setPad] = useState(false);
  const toId = useId();
  const busy = state.kind === 'busy';
  const act = <A extends CallAction>(action: A, body: ActionBody<A>, done = '') =>
    void run(() => services.calls.act(action, call.id, body), done);
  const button = (key: MessageKey, onClick: () => void, primary = false) => (
    <button type="button" className={primary ? 'primary' : undefined} disabled={busy} onClick={onClick}>
      {t(key)}
    </button>
  );
  const toTarget = (e: FormEvent) => e.preventDefault();
  const connected = call.state === 'connected';
  // An outgoing call ringing unanswered at a line of the tenant: the user may ask to be called back instead.
  const unanswered = !isIncoming(call, me) && call.answeredAt === null && call.called.line !== undefined;
  return (
    <>
      <div className="call-actions">
        {call.state === 'alerting' &&
          isIncoming(call, me) &&
          button('phone.answer', () => act('calls.answer', {}), true)}
        {connected && button('phone.hold', () => act('calls.hold', {}))}
        {call.state === 'held' && button('phone.retrieve', () => act('calls.retrieve', {}))}
        {unanswered &&
          button('phone.callBack', () => void run(() => services.callBacks.onCall(call.id), t('phone.callBackSet')))}
        {call.state === 'held' && other && button('phone.alternate', () => act('calls.alternate', { call: other.id }))}
        {call.state === 'held' &&
          other &&
          button('phone.transferTo', () => act('calls.transfer', { call: other.id }, t('phone.transferred')))}
        {call.state === 'held' &&
          other &&
          button('phone.conference', () => act('calls.conference', { call: other.id }))}
        {connected && (
          <button type="button" aria-expanded={pad} onClick={() => setPad(!pad)}>
            {t('phone.keypad')}
          </button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => act('calls.clear', {})}>
          {t('phone.hangUp')}
        </button>
      </div>
      {connected && pad && <Keypad label={t('phone.digits')} press={(digits) => act('calls.digits', { digits })} />}
      {(connected || call.state === 'alerting') && (
        <form className="call-target" onSubmit={toTarget}>
          <label htmlFor={toId}>{t('phone.target')}</label>
          <input id={toId} value={to} onChange={(e) => setTo(e.target.value)} inputMode="tel" autoComplete="off" />
          {connected &&
            button(
              'phone.transfer',
              () => to.trim() && act('calls.transfer', { to: to.trim() }, t('phone.transferred')),
            )}
          {connected && button('phone.consult', () => to.trim() && act('calls.consult', { to: to.trim() }))}
          {call.state === 'alerting' &&
            isIncoming(call, me) &&
            button('phone.deflect', () => to.trim() && act('calls.deflect', { to: to.trim() }))}
        </form>
      )}
      {state.kind !== 'idle' && <ActionStatus state={state} />}
    </>
  );
}

/** The user's live calls: whom each is with (resolved name and company, else the number), its state, its buttons. */
function LiveCalls() {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const calls = useStore(services.calls.calls, (c) => c);
  const id = useId();
  return (
    <section className="live-calls" aria-labelledby={id}>
      <h2 id={id}>{t('phone.calls')}</h2>
      {calls.length === 0 ? (
        <p className="hint">{t('phone.noCalls')}</p>
      ) : (
        <ul className="list">
          {calls.map((c) => {
            const other = calls.find((x) => x.id !== c.id && x.state === 'connected');
            return (
              <li key={c.id} className="live-call" data-call={c.id} data-state={c.state}>
                <p className="call-who">
                  <strong>{partyLabel(otherParty(c, me))}</strong>{' '}
                  <span className="call-state">{t(stateKey(c, me))}</span>
                </p>
                <CallControls call={c} other={other} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The user's last outgoing call that was busy or not answered, with the offer to call back when the line is free. */
function CallBackOffer() {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const offer = useStore(services.callBacks.offer, (c) => c);
  const [state, run] = useAction();
  if (!offer) return state.kind === 'idle' ? null : <ActionStatus state={state} concerns="callBacks" />;
  const who = partyLabel(otherParty(offer, me));
  const busy = offer.connections.some((c) => c.cause === 'busy');
  return (
    <div className="call-back-offer" role="status">
      <p>{t(busy ? 'phone.wasBusy' : 'phone.noAnswer', { who })}</p>
      <button
        type="button"
        className="primary"
        disabled={state.kind === 'busy'}
        onClick={() => void run(() => services.callBacks.onCall(offer.id), t('phone.callBackSet'))}
      >
        {t('phone.callBack')}
      </button>
      <button type="button" onClick={() => services.callBacks.dismiss()}>
        {t('phone.dismiss')}
      </button>
      {state.kind !== 'idle' && <ActionStatus state={state} concerns="callBacks" />}
    </div>
  );
}

/** The user's pending call-backs: whom, until when, and a way to cancel each. */
function CallBacks() {
  const services = useServices();
  const { t, time } = useI18n();
  const list = useStore(services.callBacks.list, (l) => l);
  const [state, run] = useAction();
  const id = useId();
  if (list.length === 0 && state.kind === 'idle') return null;
  return (
    <section className="call-backs" aria-labelledby={id}>
      <h2 id={id}>{t('phone.callBacks')}</h2>
      <ul className="list">
        {list.map((c) => (
          <li key={c.id} data-call-back={c.id}>
            <span>{t('phone.callBackItem', { who: c.toName ?? c.to, number: c.to, until: time(c.expiresAt) })}</span>{' '}
            <button
              type="button"
              disabled={state.kind === 'busy'}
              onClick={() => void run(() => services.callBacks.cancel(c.id), t('phone.callBackCancelled'))}
            >
              {t('phone.callBackCancel')}
            </button>
          </li>
        ))}
      </ul>
      {state.kind !== 'idle' && <ActionStatus state={state} />}
    </section>
  );
}

/**
 * The phone panel: a number or address to call (typed or from the dial pad; MakeCall rings the
 * user's own phone first), the live calls, the call-backs, and the way to the call settings (forwarding, do not
 * disturb) in the settings sheet.
 */
export function PhonePanel() {
  const services = useServices();
  const { t } = useI18n();
  const [to, setTo] = useState('');
  // A refusal shows in the call banner's alert.
  const [state, run] = useAction();
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const target = to.trim();
    if (!target) return;
    void run(async () => {
      await services.calls.make(target);
      setTo('');
    });
  };
  return (
    <div className="phone">
      <form className="dial" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>{t('phone.title')}</h2>
        <label htmlFor={id}>{t('phone.number')}</label>
        <input
          id={id}
          value={to}
          onChange={(e) => setTo(e.target.value)}
          inputMode="tel"
          autoComplete="off"
          placeholder={t('phone.numberHint')}
        />
        <Keypad label={t('phone.dialPad')} press={(k) => setTo((v) => v + k)} />
        <button type="submit" className="primary" disabled={state.kind === 'busy' || to.trim() === ''}>
          {t('phone.call')}
        </button>
      </form>
      <LiveCalls />
      <CallBackOffer />
      <CallBacks />
      <Link to={paths.journal} className="journal-link">
        {t('journal.title')}
      </Link>
      <button type="button" className="link-button" onClick={openSettings}>
        {t('phone.settings')}
      </button>
    </div>
  );
}
