/** Message builders, an action formatter and a table runner shared by the transaction tests (not part of the API). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action, SipRequest, SipResponse, Via } from './types.js';

export interface RequestFields {
  method?: string;
  branch?: string;
  host?: string;
  port?: number;
  transport?: string;
  uri?: string;
  fromTag?: string;
  toTag?: string;
  callId?: string;
  seq?: number;
}

/** A request from alice's phone to bob, by default an INVITE with the RFC 3261 cookie. */
export function request(fields: RequestFields = {}): SipRequest {
  const method = fields.method ?? 'INVITE';
  const via: Via = {
    transport: fields.transport ?? 'UDP',
    host: fields.host ?? 'alice-pc.example.test',
    port: fields.port ?? 5060,
    branch: fields.branch ?? 'z9hG4bK74bf9',
  };
  return {
    method,
    requestUri: fields.uri ?? 'sip:bob@example.test',
    via: [via],
    from: { uri: 'sip:alice@example.test', tag: fields.fromTag ?? '9fxced76sl' },
    to: { uri: 'sip:bob@example.test', ...(fields.toTag ? { tag: fields.toTag } : {}) },
    callId: fields.callId ?? '3848276298220188511@alice-pc.example.test',
    cseq: { seq: fields.seq ?? 1, method: method === 'ACK' ? 'INVITE' : method },
  };
}

/** A response to `req` (To tag "314159" on everything but 100), CSeq method that of the request. */
export function response(req: SipRequest, status: number, toTag = '314159'): SipResponse {
  return {
    status,
    reason: `Status ${status}`,
    via: req.via,
    from: req.from,
    to: status === 100 || req.to.tag ? req.to : { ...req.to, tag: toTag },
    callId: req.callId,
    cseq: req.cseq,
  };
}

/** The ACK a UAC sends for a response to `invite` (the ACK of a 2xx takes a new branch, §13.2.2.4). */
export function ack(invite: SipRequest, res: SipResponse, branch?: string): SipRequest {
  const via = invite.via[0] as Via;
  return {
    ...invite,
    method: 'ACK',
    via: [branch ? { ...via, branch } : via],
    to: res.to,
    cseq: { seq: invite.cseq.seq, method: 'ACK' },
  };
}

/** Actions in a short readable form: "send INVITE", "send 180", "pass-up 200", "start A 500", "cancel B". */
export function show(actions: Action[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'send':
      case 'pass-up':
        return `${a.kind} ${'status' in a.message ? a.message.status : a.message.method}`;
      case 'start-timer':
        return `start ${a.timer} ${a.ms}`;
      case 'cancel-timer':
        return `cancel ${a.timer}`;
      default:
        return a.kind;
    }
  });
}

/** One row of a state × event table: from state, event name, event, expected actions, to state. */
export type Transition<S, E> = [S, string, E, string[], S];

/** A test per row: a machine put into the from state gets the event and must answer as the row says. */
export function runTable<S, E>(rows: Transition<S, E>[], inState: (state: S) => { state: S; handle(e: E): Action[] }) {
  for (const [from, name, event, actions, to] of rows) {
    test(`${from} + ${name} → ${to}`, () => {
      const machine = inState(from);
      assert.deepEqual(show(machine.handle(event)), actions);
      assert.equal(machine.state, to);
    });
  }
}
