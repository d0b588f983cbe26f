import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/core/store.js';
import { connect } from '../../src/platform/store/connect.js';
import { calendarStoreContract } from './calendar-store.contract.js';
import { callBacksStoreContract } from './call-backs-store.contract.js';
import { callSettingsStoreContract } from './call-settings-store.contract.js';
import { contactsStoreContract } from './contacts-store.contract.js';
import { devicesStoreContract } from './devices-store.contract.js';
import { directoryStoreContract } from './directory-store.contract.js';
import { federationStoreContract } from './federation-store.contract.js';
import { journalStoreContract } from './journal-store.contract.js';
import { linesStoreContract } from './lines-store.contract.js';
import { messagingStoreContract } from './messaging-store.contract.js';
import { pepStoreContract } from './pep-store.contract.js';
import { presenceStoreContract } from './presence-store.contract.js';
import { pushStoreContract } from './push-store.contract.js';
import { storeContract } from './store.contract.js';

const open = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
  const { db, engine } = connect({ url: `sqlite:${join(dir, 'test.sqlite')}` });
  const store = new Store(db, engine);
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

storeContract('sqlite', open);
messagingStoreContract('sqlite', open);
presenceStoreContract('sqlite', open);
calendarStoreContract('sqlite', open);
contactsStoreContract('sqlite', open);
devicesStoreContract('sqlite', open);
linesStoreContract('sqlite', open);
directoryStoreContract('sqlite', open);
journalStoreContract('sqlite', open);
callSettingsStoreContract('sqlite', open);
federationStoreContract('sqlite', open);
callBacksStoreContract('sqlite', open);
pushStoreContract('sqlite', open);
pepStoreContract('sqlite', open);
