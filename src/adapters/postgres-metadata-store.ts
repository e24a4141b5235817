/**
 * MetadataStore on PostgreSQL, for deployments where several Kiln processes share metadata.
 *
 * A batch first takes a transaction-scoped advisory lock per key it touches, in hash order:
 * unlike row locks these also cover keys that have no row yet, and the global order means two
 * batches on overlapping keys queue instead of deadlocking. Row-level guarantees do not depend
 * on that: each checked row is still locked with SELECT ... FOR UPDATE, and an `absent` insert
 * uses INSERT ... ON CONFLICT DO NOTHING, so losing an insert race (even to a writer that skips
 * the advisory locks) surfaces as ExpectationFailedError rather than a unique violation.
 *
 * Claims of due records (the job queue) lock only the row they take, with SKIP LOCKED on the due
 * index, so claimers never queue behind each other and never read records that are not due; a batch
 * that puts a due record notifies listening processes when it commits.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  ExpectationFailedError,
  type DueClaim,
  type ListQuery,
  type MetadataStore,
  type NewRecord,
  type StoredRecord,
  type Write,
} from '../ports/metadata-store.ts';
import { DUE_CHANNEL, pgDueListener } from './pg-due-listener.ts';
import {
  claimedRecord,
  dueColumns,
  holds,
  keyOf,
  listFilter,
  putsDueRecord,
  recordOf,
  type RecordRow,
} from './sql-records.ts';

/** Index i upgrades a schema from version i to i + 1; `$s` is the quoted schema name. */
const MIGRATIONS: string[] = [
  `CREATE SEQUENCE $s.record_seq AS bigint;
   CREATE TABLE $s.records (
     key text PRIMARY KEY,
     kind text NOT NULL,
     subscription text NOT NULL,
     resource_group text,
     parent text,
     seq bigint NOT NULL UNIQUE,
     etag text NOT NULL,
     data jsonb NOT NULL
   );
   CREATE INDEX records_kind ON $s.records (kind, seq);
   CREATE INDEX records_kind_subscription ON $s.records (kind, subscription, seq);
   CREATE INDEX records_kind_resource_group ON $s.records (kind, resource_group, seq);
   CREATE INDEX records_parent ON $s.records (parent, seq);`,
  `ALTER TABLE $s.records ADD COLUMN lane text, ADD COLUMN due_at bigint;
   -- Jobs stored before get their due times from their JSON, as in sqlite-metadata-store.ts.
   UPDATE $s.records SET lane = data->>'task',
     due_at = COALESCE((extract(epoch FROM (CASE WHEN data->>'state' = 'queued' THEN data->>'runAfter'
       ELSE data->>'leaseUntil' END)::timestamptz) * 1000)::bigint, 0)
     WHERE kind = 'kiln/jobs';
   CREATE INDEX records_due ON $s.records (kind, due_at, seq) WHERE due_at IS NOT NULL;
   CREATE INDEX records_lane ON $s.records (kind, lane, seq) WHERE lane IS NOT NULL;`,
];

/** bigint arrives as a string, jsonb parsed. */
type Row = RecordRow<string, unknown>;

export async function openPostgresMetadataStore(
  url: string,
  options: { schema?: string } = {},
): Promise<MetadataStore> {
  const schemaName = options.schema ?? 'kiln';
  if (!/^[a-z_][a-z0-9_]*$/.test(schemaName)) throw new Error(`invalid schema name: ${schemaName}`);
  const s = `"${schemaName}"`;
  const pool = new pg.Pool({ connectionString: url });
  // A connection dropped while idle is discarded by the pool and replaced on the next query;
  // without a listener the error event would crash the process.
  pool.on('error', () => {});
  try {
    await migrate(pool, schemaName, s);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const columns = 'key, kind, subscription, resource_group, parent, lane, due_at, seq, etag, data';
  // An update through the upsert draws a seq it does not keep: gaps are harmless, reuse is not.
  const upsert = (onConflict: string) =>
    `INSERT INTO ${s}.records (${columns})
     VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('${s}.record_seq'), $8, $9::jsonb)
     ON CONFLICT (key) ${onConflict} RETURNING ${columns}`;
  const insertIfAbsent = upsert('DO NOTHING');
  const insertOrUpdate = upsert(`DO UPDATE SET kind = $2, subscription = $3, resource_group = $4,
     parent = $5, lane = $6, due_at = $7, etag = $8, data = $9::jsonb`);
  // The due index in order; SKIP LOCKED passes over rows other claims and batches hold right now.
  const selectDue = `SELECT ${columns} FROM ${s}.records
     WHERE kind = $1 AND due_at <= $2 AND lane = ANY($3::text[])
     ORDER BY due_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED`;
  const updateClaimed = `UPDATE ${s}.records SET kind = $2, subscription = $3, resource_group = $4, parent = $5,
     lane = $6, due_at = $7, etag = $8, data = $9::jsonb WHERE key = $1 RETURNING ${columns}`;
  const due = pgDueListener(url, schemaName);

  async function applyBatch(client: pg.PoolClient, writes: Write[]): Promise<StoredRecord[]> {
    await client.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended($1 || key, 0) AS h FROM unnest($2::text[]) AS key ORDER BY h
       ) AS locks`,
      [`${schemaName}/`, writes.map(keyOf)],
    );
    const stored: StoredRecord[] = [];
    for (const write of writes) {
      const key = keyOf(write);
      const current = await client.query<{ etag: string }>(`SELECT etag FROM ${s}.records WHERE key = $1 FOR UPDATE`, [
        key,
      ]);
      const etag = current.rows[0]?.etag;
      if (write.expect && !holds(write.expect, etag)) throw new ExpectationFailedError(key, write.expect);
      if (write.op === 'delete') {
        await client.query(`DELETE FROM ${s}.records WHERE key = $1`, [key]);
        continue;
      }
      const { record } = write;
      const result = await client.query<Row>(
        write.expect && 'absent' in write.expect ? insertIfAbsent : insertOrUpdate,
        rowParams(record),
      );
      if (result.rows.length === 0) throw new ExpectationFailedError(key, write.expect!);
      stored.push(fromRow(result.rows[0]));
    }
    // Sent when the transaction commits, to every process listening (pg-due-listener.ts).
    if (putsDueRecord(writes, Date.now())) await client.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, schemaName]);
    return stored;
  }

  async function claimBatch<T>(client: pg.PoolClient, claim: DueClaim<T>): Promise<StoredRecord<T> | undefined> {
    const found = await client.query<Row>(selectDue, [claim.kind, claim.now, claim.lanes]);
    if (found.rows.length === 0) return undefined;
    const record = claimedRecord(claim, fromRow<T>(found.rows[0]));
    const updated = await client.query<Row>(updateClaimed, rowParams(record));
    return fromRow<T>(updated.rows[0]);
  }

  return {
    async get<T>(key: string) {
      const result = await pool.query<Row>(`SELECT ${columns} FROM ${s}.records WHERE key = $1`, [key]);
      return result.rows[0] && fromRow<T>(result.rows[0]);
    },
    async etag(key: string) {
      const result = await pool.query<{ etag: string }>(`SELECT etag FROM ${s}.records WHERE key = $1`, [key]);
      return result.rows[0]?.etag;
    },
    async list<T>(query: ListQuery) {
      const { where, params } = listFilter(query, (i: number) => `$${i}`);
      const result = await pool.query<Row>(
        `SELECT ${columns} FROM ${s}.records ${where} ORDER BY seq LIMIT $${params.length + 1}`,
        [...params, query.limit],
      );
      return result.rows.map((row) => fromRow<T>(row));
    },
    async apply(writes: Write[]) {
      return transaction(pool, (client) => applyBatch(client, writes));
    },
    async claimDue<T>(claim: DueClaim<T>) {
      return transaction(pool, (client) => claimBatch(client, claim), CLAIM_BEGIN);
    },
    watchDue(listener: () => void) {
      return due.watch(listener);
    },
    async close() {
      await due.close();
      await pool.end();
    },
  };
}

/**
 * How a claim's transaction starts. Its query must walk the due index in order: a queue's table
 * changes faster than statistics follow (a burst of 10,000 jobs into a table last analyzed nearly
 * empty), and a planner that expects a handful of rows reads every due job of the lanes and sorts
 * them, each claim costing as much as the backlog. With sorting priced out, the only plan left is
 * the index's order, which stops at the first row it can lock.
 */
const CLAIM_BEGIN = 'BEGIN; SET LOCAL enable_sort = off';

async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    // A failed ROLLBACK means the connection is unusable: destroy it instead of pooling it.
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(!rolledBack);
    throw error;
  }
}

async function migrate(pool: pg.Pool, schemaName: string, s: string): Promise<void> {
  await transaction(pool, async (client) => {
    // Serializes processes starting at once; CREATE ... IF NOT EXISTS alone can still collide.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kiln metadata schema ${schemaName}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer NOT NULL)`);
    const existing = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_version`);
    const version = existing.rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `metadata schema ${schemaName} version ${version} is newer than this Kiln (${MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v].replaceAll('$s', s));
    }
    await client.query(`DELETE FROM ${s}.schema_version`);
    await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [MIGRATIONS.length]);
  });
}

/** A record's columns in the order the upsert and the claim's update number them, with a new etag. */
function rowParams(record: NewRecord): unknown[] {
  const { lane, due_at } = dueColumns(record);
  return [
    record.key,
    record.kind,
    record.subscription,
    record.resourceGroup,
    record.parent,
    lane,
    due_at,
    randomUUID(),
    JSON.stringify(record.data),
  ];
}

function fromRow<T>(row: Row): StoredRecord<T> {
  return recordOf(row, Number(row.seq), row.data as T);
}
