import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { describeMetadataStoreContract } from './metadata-store.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-sqlite-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let databases = 0;
describeMetadataStoreContract('sqlite', async () => {
  const path = join(dir, `metadata-${++databases}.db`);
  return { connect: () => openSqliteMetadataStore(path) };
});

it('sqlite: opens an in-memory store', async () => {
  const store = await openSqliteMetadataStore(':memory:');
  const [stored] = await store.apply([
    { op: 'put', record: { key: 'k', kind: 'thing', subscription: '', resourceGroup: null, parent: null, data: 1 } },
  ]);
  assert.deepEqual(await store.get('k'), stored);
  await store.close();
});
