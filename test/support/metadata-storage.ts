/**
 * Fresh, empty metadata storage for tests, on each backend: a new SQLite file, or a new PostgreSQL
 * schema (KILN_TEST_POSTGRES_URL), all removed when the test file ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { openPostgresMetadataStore } from '../../src/adapters/postgres-metadata-store.ts';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';

/** One empty database; every `connect` is an independent handle (file handle or pool) on it. */
export interface StorageUnderTest {
  connect(): Promise<MetadataStore>;
}

export const POSTGRES_URL = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function sqliteStorages(prefix: string): () => Promise<StorageUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let databases = 0;
  return async () => {
    const path = join(dir, `metadata-${++databases}.db`);
    return { connect: () => openSqliteMetadataStore(path) };
  };
}

export function postgresStorages(prefix: string): () => Promise<StorageUnderTest> {
  const run = `${prefix}_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  before(async () => {
    await admin.connect().catch((error: unknown) => {
      throw new Error(`no PostgreSQL at ${POSTGRES_URL} (start one with scripts/ensure-postgres.sh): ${error}`);
    });
  });
  after(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  return async () => {
    const schema = `${run}_${schemas.length + 1}`;
    schemas.push(schema);
    return { connect: () => openPostgresMetadataStore(POSTGRES_URL, { schema }) };
  };
}
