import { randomBytes } from 'node:crypto';
import { Store } from '../../src/core/store.js';
import { connect } from '../../src/platform/store/connect.js';
import { calendarStoreContract } from '../contract/calendar-store.contract.js';
import { callBacksStoreContract } from '../contract/call-backs-store.contract.js';
import { callSettingsStoreContract } from '../contract/call-settings-store.contract.js';
import { contactsStoreContract } from '../contract/contacts-store.contract.js';
import { devicesStoreContract } from '../contract/devices-store.contract.js';
import { directoryStoreContract } from '../contract/directory-store.contract.js';
import { federationStoreContract } from '../contract/federation-store.contract.js';
import { journalStoreContract } from '../contract/journal-store.contract.js';
import { linesStoreContract } from '../contract/lines-store.contract.js';
import { messagingStoreContract } from '../contract/messaging-store.contract.js';
import { pepStoreContract } from '../contract/pep-store.contract.js';
import { presenceStoreContract } from '../contract/presence-store.contract.js';
import { pushStoreContract } from '../contract/push-store.contract.js';
import { storeContract } from '../contract/store.contract.js';
import { postgresAdmin as admin, postgresUrl, requirePeer } from '../support/interop.js';

const skipped = await requirePeer('PostgreSQL', () => admin('select 1'));
if (!skipped) {
  const open = async () => {
    // Each run gets its own schema, so runs never see each other's rows.
    const schema = `parley_test_${randomBytes(6).toString('hex')}`;
    await admin(`create schema ${schema}`);
    const { db, engine } = connect({ url: postgresUrl, schema, poolSize: 4 });
    const store = new Store(db, engine, schema);
    await store.migrate();
    return {
      store,
      close: async () => {
        await store.close();
        await admin(`drop schema ${schema} cascade`);
      },
    };
  };
  storeContract('postgres', open);
  messagingStoreContract('postgres', open);
  presenceStoreContract('postgres', open);
  calendarStoreContract('postgres', open);
  contactsStoreContract('postgres', open);
  devicesStoreContract('postgres', open);
  linesStoreContract('postgres', open);
  directoryStoreContract('postgres', open);
  journalStoreContract('postgres', open);
  callSettingsStoreContract('postgres', open);
  federationStoreContract('postgres', open);
  callBacksStoreContract('postgres', open);
  pushStoreContract('postgres', open);
  pepStoreContract('postgres', open);
}
