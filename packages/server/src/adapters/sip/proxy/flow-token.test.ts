import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowTokens, isFlowToken } from './flow-token.js';

const key = Buffer.alloc(32, 7);
const tokens = new FlowTokens(key, 'node-b.1a2b3c4d');

test('a signed flow token reads back as its flow on the node that signed it', () => {
  for (const flowId of ['tcp|1', 'tls|42', 'ws|7', 'tcp|123456789']) {
    const user = tokens.sign(flowId);
    assert.ok(isFlowToken(user), user);
    assert.match(user, /^flow\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/, 'a valid SIP URI user part');
    assert.deepEqual(tokens.read(user), { kind: 'flow', flowId });
  }
});

test('flow tokens that do not verify', () => {
  const good = tokens.sign('tcp|1');
  const [, id, mac] = good.split('.');
  const cases: [string, string][] = [
    ['another run of the node signed it', new FlowTokens(key, 'node-b.ffffffff').sign('tcp|1')],
    ['another cluster key signed it', new FlowTokens(Buffer.alloc(32, 8), 'node-b.1a2b3c4d').sign('tcp|1')],
    ['the flow is changed', `flow.${Buffer.from('tcp|2').toString('base64url')}.${mac}`],
    ['the MAC is changed', `flow.${id}.${'A'.repeat(22)}`],
    ['the MAC is cut short', `flow.${id}.${mac?.slice(0, 10)}`],
    ['no MAC', `flow.${id}`],
    ['an extra part', `${good}.x`],
    ['empty', 'flow.'],
  ];
  for (const [why, user] of cases) assert.deepEqual(tokens.read(user), { kind: 'forged' }, why);
});

test('user parts that are no flow token', () => {
  for (const user of [undefined, '', 'alice', 'flowers', 'Flow.x.y']) {
    assert.equal(isFlowToken(user), false, String(user));
    assert.deepEqual(tokens.read(user), { kind: 'none' }, String(user));
  }
});
