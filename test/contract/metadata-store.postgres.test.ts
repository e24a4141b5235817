import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import pg from 'pg';
import { openPostgresMetadataStore } from '../../src/adapters/postgres-metadata-store.ts';
import { POSTGRES_URL, postgresStorages } from '../support/metadata-storage.ts';
import { describeMetadataStoreContract, waitFor } from './metadata-store.contract.ts';
import { assertV1JobsClaimable, V1_JOBS } from './fixtures/version-1-jobs.ts';

describeMetadataStoreContract('postgres', postgresStorages('kiln_test'));

const schemas: string[] = [];
const freshSchema = () => {
  schemas.push(`kiln_test_pg_${randomBytes(4).toString('hex')}`);
  return schemas.at(-1)!;
};
after(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

it('postgres: a due record put through one pool wakes watchers on another (another process), not other schemas', async () => {
  const schema = freshSchema();
  const writer = await openPostgresMetadataStore(POSTGRES_URL, { schema });
  const watcher = await openPostgresMetadataStore(POSTGRES_URL, { schema });
  const stranger = await openPostgresMetadataStore(POSTGRES_URL, { schema: freshSchema() });
  try {
    let told = 0;
    let strangerTold = 0;
    watcher.watchDue(() => told++);
    stranger.watchDue(() => strangerTold++);
    // Each listener says once that it (re)connected; what counts is what comes after.
    await waitFor(() => told > 0 && strangerTold > 0, 'both listeners connected');
    const [seen, strangerSeen] = [told, strangerTold];
    const job = { key: 'j', kind: 'job', subscription: '', resourceGroup: null, parent: null, data: 1 };
    await writer.apply([{ op: 'put', record: { ...job, due: { lane: 'build', at: Date.now() + 60_000 } } }]);
    await writer.apply([{ op: 'put', record: { ...job, due: { lane: 'build', at: Date.now() } } }]);
    await waitFor(() => told > seen, 'the other pool heard of the due record');
    assert.equal(strangerTold, strangerSeen, 'a store on another schema is not woken');
  } finally {
    await Promise.all([writer.close(), watcher.close(), stranger.close()]);
  }
});

it('postgres: an upgrade from schema version 1 makes waiting and leased jobs claimable when due', async () => {
  const schema = freshSchema();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}";
      CREATE SEQUENCE "${schema}".record_seq AS bigint;
      CREATE TABLE "${schema}".records (key text PRIMARY KEY, kind text NOT NULL, subscription text NOT NULL,
        resource_group text, parent text, seq bigint NOT NULL UNIQUE, etag text NOT NULL, data jsonb NOT NULL);
      CREATE TABLE "${schema}".schema_version (version integer NOT NULL);
      INSERT INTO "${schema}".schema_version VALUES (1);`);
    for (const job of V1_JOBS) {
      await admin.query(
        `INSERT INTO "${schema}".records VALUES ($1, 'kiln/jobs', '', NULL, NULL, nextval('"${schema}".record_seq'), 'etag', $2)`,
        [job.key, JSON.stringify(job.data)],
      );
    }
  } finally {
    await admin.end();
  }
  const store = await openPostgresMetadataStore(POSTGRES_URL, { schema });
  try {
    await assertV1JobsClaimable(store);
  } finally {
    await store.close();
  }
});
