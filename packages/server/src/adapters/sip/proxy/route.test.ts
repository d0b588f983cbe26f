import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerValues, makeRequest, respond, type SipHeader } from '../message/index.js';
import { FlowTokens } from './flow-token.js';
import { decide, forwarded, isFlowRoute, type RouteDecision, upstream } from './route.js';

const tokens = new FlowTokens(Buffer.alloc(32, 1), 'node-b.00000001');
const held = 'tcp|7';
const route = (flowId = held, params = ';transport=tcp;lr') => `<sip:${tokens.sign(flowId)}@10.0.0.2:5060${params}>`;

interface Case {
  why: string;
  method?: string;
  uri?: string;
  toTag?: boolean;
  routes?: string[];
  maxForwards?: number;
  arrivedOn?: string;
  want: RouteDecision;
}

const request = (c: Omit<Case, 'why' | 'want'>, extra: SipHeader[] = [], body?: Buffer) =>
  makeRequest(
    c.method ?? 'INVITE',
    c.uri ?? 'sip:bob@192.0.2.7:40000;transport=tcp',
    [
      { name: 'Via', value: 'SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKa' },
      ...(c.routes ?? []).map((value) => ({ name: 'Route', value })),
      { name: 'From', value: '<sip:alice@example.test>;tag=a1' },
      { name: 'To', value: `<sip:bob@example.test>${c.toTag ? ';tag=b1' : ''}` },
      { name: 'Call-ID', value: 'c1@parley' },
      { name: 'CSeq', value: `1 ${c.method ?? 'INVITE'}` },
      ...(c.maxForwards === undefined ? [] : [{ name: 'Max-Forwards', value: String(c.maxForwards) }]),
      ...extra,
    ],
    body,
  );

/** A BYE the device sends on its own flow, routed by our Record-Route (and maybe more Routes). */
const fromDevice = (why: string, uri: string | undefined, more: string[], want: RouteDecision): Case => ({
  why,
  method: 'BYE',
  toTag: true,
  ...(uri ? { uri } : {}),
  routes: [route(), ...more],
  arrivedOn: held,
  want,
});

test('what a node does with a request by its top Route (RFC 3261 §16.4, RFC 5626 §5.3)', () => {
  const cases: Case[] = [
    { why: 'no Route: for this node', want: { kind: 'local' } },
    { why: 'an outbound proxy Route without token', routes: ['<sip:10.0.0.2:5060;lr>'], want: { kind: 'local' } },
    { why: 'a token but no lr (strict route)', routes: [route(held, ';transport=tcp')], want: { kind: 'local' } },
    { why: 'a Route that does not parse', routes: ['<sip:flow.x@;lr>'], want: { kind: 'local' } },
    {
      why: 'a forged token',
      routes: [route().replace(/\.[A-Za-z0-9_-]{22}@/, `.${'A'.repeat(22)}@`)],
      want: { kind: 'refuse', status: 403, reason: 'Forbidden (bad flow token)' },
    },
    {
      why: 'a token of another node',
      routes: [`<sip:${new FlowTokens(Buffer.alloc(32, 1), 'node-c.1').sign(held)}@10.0.0.3;lr>`],
      want: { kind: 'refuse', status: 403, reason: 'Forbidden (bad flow token)' },
    },
    {
      why: 'Max-Forwards used up',
      routes: [route()],
      maxForwards: 0,
      want: { kind: 'refuse', status: 483, reason: 'Too Many Hops' },
    },
    {
      why: 'a new INVITE from another node: to the flow, record-routed',
      routes: [route()],
      want: { kind: 'to-flow', flowId: held, recordRoute: true },
    },
    {
      why: 'a new SUBSCRIBE makes a dialog too',
      method: 'SUBSCRIBE',
      routes: [route()],
      want: { kind: 'to-flow', flowId: held, recordRoute: true },
    },
    {
      why: 'a MESSAGE makes no dialog',
      method: 'MESSAGE',
      routes: [route()],
      want: { kind: 'to-flow', flowId: held, recordRoute: false },
    },
    {
      why: 'a re-INVITE (To tag) is not record-routed again',
      toTag: true,
      routes: [route()],
      want: { kind: 'to-flow', flowId: held, recordRoute: false },
    },
    fromDevice('a BYE from the device on its flow: on to the Request-URI', 'sip:10.0.0.1:5070;transport=tcp', [], {
      kind: 'onward',
      next: { host: '10.0.0.1', port: 5070 },
    }),
    fromDevice('with another Route after ours: to that Route', undefined, ['<sip:Proxy.Example.Test;lr>'], {
      kind: 'onward',
      next: { host: 'proxy.example.test', port: 5060 },
    }),
    fromDevice('a SIPS Request-URI without port: 5061', 'sips:node-a.example.test', [], {
      kind: 'onward',
      next: { host: 'node-a.example.test', port: 5061 },
    }),
    fromDevice('onwards to a tel: URI', 'tel:+4971112345', [], {
      kind: 'refuse',
      status: 416,
      reason: 'Unsupported URI Scheme',
    }),
  ];
  for (const c of cases) assert.deepEqual(decide(request(c), c.arrivedOn ?? 'tcp|1', tokens), c.want, c.why);
});

test('isFlowRoute: a loose route with a flow token of any node', () => {
  assert.equal(isFlowRoute(route()), true);
  assert.equal(isFlowRoute(`<sip:${new FlowTokens(Buffer.alloc(32, 9), 'x').sign('ws|1')}@h;lr;ob>`), true);
  for (const value of [undefined, '<sip:10.0.0.2;lr>', route(held, ''), '<tel:+4971>', 'garbage<'])
    assert.equal(isFlowRoute(value), false, String(value));
});

test('the forwarded request: own Via on top, Record-Route first, top Route gone, Max-Forwards one less (§16.6)', () => {
  const body = Buffer.from('v=0\r\n');
  const original = request(
    { routes: [route(), '<sip:proxy.example.test;lr>'], maxForwards: 10 },
    [
      { name: 'Record-Route', value: '<sip:earlier.example.test;lr>' },
      { name: 'Content-Type', value: 'application/sdp' },
    ],
    body,
  );
  const via = { name: 'Via', value: 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKb;rport' };
  const out = forwarded(original, via, '<sip:rr@192.0.2.1:5060;transport=tcp;lr>');
  assert.deepEqual(
    out.via.map((v) => v.branch),
    ['z9hG4bKb', 'z9hG4bKa'],
  );
  assert.deepEqual(headerValues(out.headers, 'Route'), ['<sip:proxy.example.test;lr>']);
  assert.deepEqual(headerValues(out.headers, 'Record-Route'), [
    '<sip:rr@192.0.2.1:5060;transport=tcp;lr>',
    '<sip:earlier.example.test;lr>',
  ]);
  assert.equal(out.maxForwards, 9);
  assert.equal(out.body.toString(), body.toString());
  assert.equal(out.callId, original.callId);
  assert.equal(forwarded(request({ routes: [route()] }), via).maxForwards, 69, 'absent: 70 less one');
  assert.deepEqual(headerValues(forwarded(request({ routes: [route()] }), via).headers, 'Record-Route'), []);
});

test('a response on its way back loses the top Via only (§16.7)', () => {
  const via = { name: 'Via', value: 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKb' };
  const out = forwarded(request({ routes: [route()] }), via);
  const ok = respond(out, 200, 'OK', { toTag: 'b1', body: Buffer.from('v=0\r\n') });
  const back = upstream(ok);
  assert.deepEqual(
    back.via.map((v) => v.branch),
    ['z9hG4bKa'],
  );
  assert.equal(back.status, 200);
  assert.equal(back.to.params.get('tag'), 'b1');
  assert.equal(back.body.toString(), 'v=0\r\n');
});
