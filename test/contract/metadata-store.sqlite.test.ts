import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { sqliteStorages } from '../support/metadata-storage.ts';
import { describeMetadataStoreContract } from './metadata-store.contract.ts';

describeMetadataStoreContract('sqlite', sqliteStorages('kiln-sqlite-contract'));

it('sqlite: opens an in-memory store', async () => {
  const store = await openSqliteMetadataStore(':memory:');
  const [stored] = await store.apply([
    { op: 'put', record: { key: 'k', kind: 'thing', subscription: '', resourceGroup: null, parent: null, data: 1 } },
  ]);
  assert.deepEqual(await store.get('k'), stored);
  await store.close();
});
