import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { openPostgresMetadataStore } from '../../src/adapters/postgres-metadata-store.ts';
import { describeMetadataStoreContract } from './metadata-store.contract.ts';

const url = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `kiln_test_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const admin = new pg.Client({ connectionString: url });

before(async () => {
  await admin.connect().catch((error: unknown) => {
    throw new Error(`no PostgreSQL at ${url} (start one with scripts/ensure-postgres.sh): ${error}`);
  });
});
after(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

describeMetadataStoreContract('postgres', async () => {
  const schema = `${run}_${schemas.length + 1}`;
  schemas.push(schema);
  return { connect: () => openPostgresMetadataStore(url, { schema }) };
});
