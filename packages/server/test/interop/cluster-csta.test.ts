// CSTA in a cluster (docs/csta.md): a CSTA session on node A monitors a line whose phone is
// registered through node B, so the call is switched on node B; MakeCall, hold, retrieve and clear
// go through node B's REST API, and the session on node A sees every event of the call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@parley/api';
import { inProcessCluster } from '../support/cluster-nodes.js';
import { CstaClient, type CstaReply, startSession } from '../support/csta.js';
import { call } from '../support/http.js';
import { phoneFor, SDP } from '../support/sip-phone.js';

const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const cluster = await inProcessCluster();

if (cluster) {
  test('a CSTA session on node A sees every event of a call switched on node B; MakeCall through node B', async () => {
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const tenant = await a.server.core.tenants.create({ domain: 'csta-cluster.test' });
    const people: Record<string, { userId: string; tenantId: string }> = {};
    for (const [local, number] of [
      ['alice', '201'],
      ['bob', '202'],
    ] as const) {
      const { user } = await a.server.core.users.create(tenant.id, { local, password: `${local}-password` });
      await a.server.core.lines.add(tenant.id, { number, userId: user.id });
      people[local] = { userId: user.id, tenantId: tenant.id };
    }
    // Both phones register through node B. Alice's answers by itself; bob's rings (180) at the first
    // INVITE and is answered by the test, then takes every re-INVITE.
    const phones: Record<string, Awaited<ReturnType<typeof phoneFor>>> = {};
    for (const local of ['alice', 'bob']) {
      const phone = await phoneFor(
        { core: b.server.core, listeners: b.listeners, user: async () => people[local] as never },
        `${local}@csta-cluster.test`,
        'udp',
        people[local],
      );
      let rung = local === 'alice';
      phone.autoAnswer = (r) => {
        if (r.method === 'ACK') return undefined;
        if (r.method !== 'INVITE') return 200;
        if (rung) return { status: 200, sdp: SDP(40000) };
        rung = true;
        return 180;
      };
      assert.equal((await phone.register(600)).status, 200);
      phones[local] = phone;
    }
    const cstaPort = a.listeners.find((l) => l.name === 'csta')?.port as number;
    const csta = await CstaClient.open(cstaPort, 'header');
    try {
      const login = await csta.ask(startSession('alice@csta-cluster.test', 'alice-password'));
      assert.equal(login.root.name, 'StartApplicationSessionPosResponse', login.xml);
      const started = await csta.ask(
        `<MonitorStart xmlns="${ED4}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>`,
      );
      const crossRef = started.text('monitorCrossRefID');
      assert.ok(crossRef, started.xml);

      const api = createClient({ baseUrl: b.url });
      const { token } = await api.request('auth.login', {
        body: { user: 'alice@csta-cluster.test', password: 'alice-password' },
      });
      const post = async (path: string, body: unknown = {}) => {
        const r = await call(b.url, 'POST', path, { token, body });
        assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
        return JSON.parse(r.text) as { id: string; state?: string };
      };
      const event = async (name: string, check?: (m: CstaReply) => boolean): Promise<CstaReply> => {
        const m = await csta.next((e) => e.root.name === name && (check?.(e) ?? true), 60_000);
        assert.equal(m.invokeId, '9999');
        assert.equal(m.text('monitorCrossRefID'), crossRef);
        return m;
      };

      const made = await post('/api/v1/calls', { to: '202' });
      const by = (path: string, value: string) => (m: CstaReply) => m.text(path) === value;
      await event('ServiceInitiatedEvent');
      await event('OriginatedEvent', by('calledDevice/deviceIdentifier', '202'));
      await event('DeliveredEvent', by('alertingDevice/deviceIdentifier', '202'));
      const ringing = await phones.bob?.next('INVITE', 60_000);
      ringing?.reply(200, 'OK', {
        headers: [{ name: 'Content-Type', value: 'application/sdp' }],
        body: SDP(40002),
      });
      const established = await event('EstablishedEvent', by('answeringDevice/deviceIdentifier', '202'));
      assert.equal(established.text('establishedConnection/callID'), made.id);
      assert.equal(established.text('localConnectionInfo'), 'connected');
      assert.match(b.server.core.calls.get(tenant.id, made.id).node, /^node-b\./, 'the call is switched on node B');

      await post(`/api/v1/calls/${made.id}/hold`);
      const held = await event('HeldEvent');
      assert.deepEqual(
        [held.text('heldConnection/callID'), held.text('holdingDevice/deviceIdentifier')],
        [made.id, '201'],
      );
      await post(`/api/v1/calls/${made.id}/retrieve`);
      await event('RetrievedEvent', by('retrievedConnection/callID', made.id));
      await post(`/api/v1/calls/${made.id}/clear`);
      const cleared = await event('ConnectionClearedEvent');
      assert.equal(cleared.text('droppedConnection/callID'), made.id);
      assert.equal(cleared.text('cause'), 'normalClearing');
    } finally {
      csta.close();
      for (const p of Object.values(phones)) p.close();
    }
  });
}
