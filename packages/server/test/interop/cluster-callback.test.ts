// A call-back in a cluster (docs/call-settings.md#call-backs): asked for through node B, served once
// although both nodes look at it at the same moment (as while the lease changes hands): the claim in
// PostgreSQL lets one ring. The asker's phone is registered through node A.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallBackStatus } from '../../src/core/callbacks/model.js';
import { inProcessCluster, phoneOn } from '../support/cluster-nodes.js';
import { eventually, SDP } from '../support/sip-phone.js';

const cluster = await inProcessCluster();
const sdp = [{ name: 'Content-Type', value: 'application/sdp' }];

if (cluster) {
  test('asked for on node B, served once when both nodes look at it at the same time', async () => {
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const tenant = await a.server.core.tenants.create({ domain: 'cb-cluster.test' });
    const alicePhone = await phoneOn(a, tenant.id, 'alice@cb-cluster.test', 'tcp');
    const bobPhone = await phoneOn(a, tenant.id, 'bob@cb-cluster.test', 'tcp');
    try {
      await a.server.core.lines.add(tenant.id, { number: '201', userId: alicePhone.userId });
      await a.server.core.lines.add(tenant.id, { number: '202', userId: bobPhone.userId });
      const seen: CallBackStatus[] = [];
      a.server.core.ctx.bus.subscribe('callback.changed', (e) => void seen.push(e.status), {
        userId: alicePhone.userId,
      });
      await a.server.core.ctx.bus.flush();
      const actor = { tenantId: tenant.id, userId: alicePhone.userId, scope: 'user' as const };
      const asked = await b.server.core.control.callBack(actor, { to: '202' });
      assert.equal(asked.mode, 'noAnswer');
      assert.deepEqual(
        (await a.server.core.control.callBacks(actor)).map((r) => r.id),
        [asked.id],
        'node A reads it from the store',
      );

      // Bob uses his phone (he calls alice); when he hangs up, both nodes look at once.
      const placed = bobPhone.invite('201@cb-cluster.test');
      (await alicePhone.next('INVITE')).reply(200, 'OK', { headers: sdp, body: SDP(40500) });
      const { dialog } = await placed;
      await alicePhone.next('ACK');
      assert.ok(dialog);
      await eventually(
        async () =>
          (await b.server.core.callBacks.list(tenant.id, alicePhone.userId))[0]?.activeSeen ? true : undefined,
        'bob was seen on the phone',
        20_000,
      );
      await bobPhone.sendInDialog(dialog, 'BYE');
      (await alicePhone.next('BYE')).reply(200, 'OK');
      await Promise.all([a.server.core.callBacks.sweep(), b.server.core.callBacks.sweep()]);

      const ring = await alicePhone.next('INVITE', 20_000);
      assert.match(ring.request.headers.find((h) => h.name === 'From')?.value ?? '', /sip:202@cb-cluster\.test/);
      ring.reply(486, 'Busy Here');
      await eventually(() => (seen.includes('done') ? true : undefined), 'the call-back call ended', 20_000);
      await Promise.all([a.server.core.callBacks.sweep(), b.server.core.callBacks.sweep()]);
      assert.deepEqual(seen, ['requested', 'ringing', 'done'], 'rung once');
      assert.deepEqual(await b.server.core.control.callBacks(actor), []);
    } finally {
      alicePhone.close();
      bobPhone.close();
    }
  });
}
