/** Message builders, an action formatter and a table runner shared by the transaction tests (not part of the API). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequest, respond, type SipHeader } from '../message/index.js';
import type { Action, SipMessage, SipRequest, SipResponse } from './types.js';

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
  const port = fields.port ?? 5060;
  const branch = fields.branch === '' ? '' : `;branch=${fields.branch ?? 'z9hG4bK74bf9'}`;
  return makeRequest(method, fields.uri ?? 'sip:bob@example.test', [
    {
      name: 'Via',
      value: `SIP/2.0/${fields.transport ?? 'UDP'} ${fields.host ?? 'alice-pc.example.test'}:${port}${branch}`,
    },
    { name: 'From', value: `<sip:alice@example.test>;tag=${fields.fromTag ?? '9fxced76sl'}` },
    { name: 'To', value: `<sip:bob@example.test>${fields.toTag ? `;tag=${fields.toTag}` : ''}` },
    { name: 'Call-ID', value: fields.callId ?? '3848276298220188511@alice-pc.example.test' },
    { name: 'CSeq', value: `${fields.seq ?? 1} ${method}` },
  ]);
}

/** A response to `req` (To tag "314159" on everything but 100), CSeq method that of the request. */
export function response(req: SipRequest, status: number, toTag = '314159'): SipResponse {
  return respond(req, status, `Status ${status}`, { toTag });
}

/** The ACK a UAC sends for a response to `invite` (the ACK of a 2xx takes a new branch, §13.2.2.4). */
export function ack(invite: SipRequest, res: SipResponse, branch?: string): SipRequest {
  const header = (m: SipRequest | SipResponse, name: string) => m.headers.filter((h) => h.name === name);
  const via = header(invite, 'Via')[0] as SipHeader;
  return makeRequest('ACK', invite.uri, [
    branch ? { name: 'Via', value: via.value.replace(/branch=[^;]+/, `branch=${branch}`) } : via,
    ...header(invite, 'From'),
    ...header(res, 'To'),
    ...header(invite, 'Call-ID'),
    { name: 'CSeq', value: `${invite.cseq.seq} ACK` },
  ]);
}

/** A message's start in short: method or status. */
export const label = (m: SipMessage) => (m.kind === 'response' ? `${m.status} ${m.cseq.method}` : m.method);

/** Actions in a short readable form: "send INVITE", "send 180", "pass-up 200", "start A 500", "cancel B". */
export function show(actions: Action[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'send':
      case 'pass-up':
        return `${a.kind} ${a.message.kind === 'response' ? a.message.status : a.message.method}`;
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
