import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { sqliteStorages } from '../support/metadata-storage.ts';
import { describeMetadataStoreContract } from './metadata-store.contract.ts';
import { assertV1JobsClaimable, V1_JOBS } from './fixtures/version-1-jobs.ts';

describeMetadataStoreContract('sqlite', sqliteStorages('kiln-sqlite-contract'));

it('sqlite: opens an in-memory store', async () => {
  const store = await openSqliteMetadataStore(':memory:');
  const [stored] = await store.apply([
    { op: 'put', record: { key: 'k', kind: 'thing', subscription: '', resourceGroup: null, parent: null, data: 1 } },
  ]);
  assert.deepEqual(await store.get('k'), stored);
  await store.close();
});

it('sqlite: an upgrade from schema version 1 makes waiting and leased jobs claimable when due', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-v1-'));
  try {
    const path = join(dir, 'metadata.db');
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE records (key TEXT PRIMARY KEY, kind TEXT NOT NULL, subscription TEXT NOT NULL,
               resource_group TEXT, parent TEXT, seq INTEGER NOT NULL UNIQUE, etag TEXT NOT NULL, data TEXT NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
             INSERT INTO counters (name, value) VALUES ('seq', 2);`);
    const insert = v1.prepare("INSERT INTO records VALUES (?, 'kiln/jobs', '', NULL, NULL, ?, 'etag', ?)");
    V1_JOBS.forEach((job, i) => insert.run(job.key, i + 1, JSON.stringify(job.data)));
    v1.pragma('user_version = 1');
    v1.close();
    const store = await openSqliteMetadataStore(path);
    await assertV1JobsClaimable(store);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
