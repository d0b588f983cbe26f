import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWithPeople } from './support/people.js';

test('users of one name are told apart by their address in colleagues and conversation members', async () => {
  const { t, alice, bob, mallory } = await startWithPeople();
  try {
    const admin = await t.user('admin@example.test', { role: 'tenant-admin' });
    await admin.api.request('me.update', { body: { displayName: 'Administrator' } });
    // Bob poses as the administrator: another case and an accent do not make it another name.
    await bob.api.request('me.update', { body: { displayName: 'ADMINISTRÄTOR' } });
    // The same name in another tenant is no collision here.
    await mallory.api.request('me.update', { body: { displayName: 'Alice' } });
    await alice.api.request('me.update', { body: { displayName: 'Alice' } });

    const { users } = await alice.api.request('users.list', { query: {} });
    const label = (address: string) => users.find((u) => u.address === address)?.label;
    assert.equal(label('admin@example.test'), 'Administrator (admin@example.test)');
    assert.equal(label('bob@example.test'), 'ADMINISTRÄTOR (bob@example.test)');
    assert.equal(label('alice@example.test'), 'Alice', 'a name of its own stays as it is');
    assert.equal(label('carol@example.test'), 'Carol');

    const c = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    const members = Object.fromEntries(c.members.map((m) => [m.address, m.label]));
    assert.deepEqual(members, {
      'alice@example.test': 'Alice',
      'bob@example.test': 'ADMINISTRÄTOR (bob@example.test)',
    });
    const favourites = await alice.api.request('me.favourites.set', { body: { favourites: ['bob@example.test'] } });
    assert.equal(favourites.favourites[0]?.label, 'ADMINISTRÄTOR (bob@example.test)');

    // Once Bob takes his own name back, nobody needs the address.
    await bob.api.request('me.update', { body: { displayName: 'Bob' } });
    const again = await alice.api.request('users.list', { query: {} });
    assert.equal(again.users.find((u) => u.address === 'admin@example.test')?.label, 'Administrator');
  } finally {
    await t.stop();
  }
});
