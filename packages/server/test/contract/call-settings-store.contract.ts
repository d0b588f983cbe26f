import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultCallSettings } from '../../src/core/forwarding/repository.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The call settings repository on every engine: defaults, partial changes, tenant scoping; the presence input source. */
export function callSettingsStoreContract(engine: string, open: StoreFactory): void {
  describe(`call settings store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    before(async () => {
      s = await seededStore(open, ['cs-a.test', 'cs-b.test']);
    });
    after(() => s.close());

    test('no row: undefined; a change writes only what it names and returns everything', async () => {
      const repo = s.store.repos.callSettings;
      assert.equal(await repo.get(s.a.id, s.alice.id), undefined);
      const first = await repo.apply(s.a.id, s.alice.id, { dnd: true }, T0);
      assert.deepEqual(first, { ...defaultCallSettings(), dnd: true, updatedAt: T0 });
      const second = await repo.apply(
        s.a.id,
        s.alice.id,
        {
          forwarding: {
            busy: { enabled: true, to: '0711 4711' },
            noAnswer: { enabled: true, to: 'bob@cs-a.test', afterSeconds: 45 },
          },
          remoteOffice: { enabled: true, number: '+4917012345' },
        },
        T0 + 1,
      );
      assert.deepEqual(second, {
        forwarding: {
          immediate: { enabled: false, to: null },
          busy: { enabled: true, to: '0711 4711' },
          noAnswer: { enabled: true, to: 'bob@cs-a.test', afterSeconds: 45 },
        },
        dnd: true,
        remoteOffice: { enabled: true, number: '+4917012345' },
        updatedAt: T0 + 1,
      });
      // A no-answer change without afterSeconds keeps the stored wait.
      const third = await repo.apply(
        s.a.id,
        s.alice.id,
        { forwarding: { noAnswer: { enabled: false, to: null } } },
        T0 + 2,
      );
      assert.deepEqual(third.forwarding.noAnswer, { enabled: false, to: null, afterSeconds: 45 });
      // A target or number left out stays.
      const kept = await s.store.repos.callSettings.apply(
        s.a.id,
        s.alice.id,
        { forwarding: { busy: { enabled: false } }, remoteOffice: { enabled: false } },
        T0 + 2,
      );
      assert.deepEqual(kept.forwarding.busy, { enabled: false, to: '0711 4711' });
      assert.deepEqual(kept.remoteOffice, { enabled: false, number: '+4917012345' });
      assert.deepEqual(await repo.get(s.a.id, s.alice.id), kept);
    });

    test('scoped by tenant: another tenant reads nothing and cannot write', async () => {
      const repo = s.store.repos.callSettings;
      await repo.apply(s.a.id, s.bob.id, { dnd: true }, T0);
      assert.equal(await repo.get(s.b.id, s.bob.id), undefined);
      await assert.rejects(repo.apply(s.b.id, s.bob.id, { dnd: false }, T0 + 1));
      assert.equal((await repo.get(s.a.id, s.bob.id))?.dnd, true);
    });

    test('the settings go with their user; presence takes call-settings inputs', async () => {
      await s.store.repos.callSettings.apply(s.a.id, s.carol.id, { dnd: true }, T0);
      const p = s.store.repos.presence;
      const value = { dndSince: T0, forwardedSince: null };
      await p.putInput(s.a.id, s.carol.id, { source: 'call-settings', key: '', value, expiresAt: null }, T0);
      assert.deepEqual(
        (await p.inputs(s.a.id, s.carol.id, T0)).map((i) => [i.source, i.value]),
        [['call-settings', value]],
      );
      const bogus = { source: 'bogus' as 'manual', key: '', value: {}, expiresAt: null };
      await assert.rejects(p.putInput(s.a.id, s.carol.id, bogus, T0), /check/i, 'the source check holds');
      await s.store.repos.users.delete(s.a.id, s.carol.id);
      assert.equal(await s.store.repos.callSettings.get(s.a.id, s.carol.id), undefined);
      assert.deepEqual(await p.inputs(s.a.id, s.carol.id, T0), []);
    });
  });
}
