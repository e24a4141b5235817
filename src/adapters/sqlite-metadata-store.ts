/**
 * MetadataStore on a single SQLite file (better-sqlite3).
 *
 * WAL lets readers (the API serving GETs, other processes) proceed while a batch is written, and
 * a crashed writer leaves a consistent database because an uncommitted WAL tail is ignored on
 * reopen. synchronous=FULL fsyncs the WAL on every commit: in WAL mode NORMAL could lose the
 * last acknowledged batches on power loss, and an ARM client that got a 201 must never see the
 * resource vanish. Writes take the write lock up front (BEGIN IMMEDIATE) so two processes never
 * both check expectations and then fail to upgrade; busy_timeout makes the loser wait instead.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  ExpectationFailedError,
  type ListQuery,
  type MetadataStore,
  type NewRecord,
  type StoredRecord,
  type Write,
} from '../ports/metadata-store.ts';
import { makeOwnerOnly } from './owner-only.ts';
import { holds, keyOf, listFilter, recordOf, type RecordRow } from './sql-records.ts';

/** Index i upgrades a database from user_version i to i + 1. */
const MIGRATIONS: string[] = [
  `CREATE TABLE records (
     key TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     subscription TEXT NOT NULL,
     resource_group TEXT,
     parent TEXT,
     seq INTEGER NOT NULL UNIQUE,
     etag TEXT NOT NULL,
     data TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX records_kind ON records (kind, seq);
   CREATE INDEX records_kind_subscription ON records (kind, subscription, seq);
   CREATE INDEX records_kind_resource_group ON records (kind, resource_group, seq);
   CREATE INDEX records_parent ON records (parent, seq);
   -- A counter separate from the rows, so deleting the newest record never frees its seq.
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO counters (name, value) VALUES ('seq', 0);`,
];

/** data is JSON text. */
type Row = RecordRow<number, string>;

const BUSY_TIMEOUT_MS = 10_000;

export async function openSqliteMetadataStore(path: string): Promise<MetadataStore> {
  const db = new Database(path);
  try {
    // Owner-only, also files an older Kiln made 0644: SQLite makes the -wal and -shm files with the
    // database file's mode, so from here on they are born 0600.
    if (!db.memory) for (const file of [path, `${path}-wal`, `${path}-shm`]) await makeOwnerOnly(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const selectOne = db.prepare<[string], Row>('SELECT * FROM records WHERE key = ?');
  const nextSeq = db.prepare<[], { value: number }>(
    "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value",
  );
  const insert = db.prepare(
    `INSERT INTO records (key, kind, subscription, resource_group, parent, seq, etag, data)
     VALUES (@key, @kind, @subscription, @resource_group, @parent, @seq, @etag, @data)`,
  );
  const update = db.prepare(
    `UPDATE records SET kind = @kind, subscription = @subscription, resource_group = @resource_group,
       parent = @parent, etag = @etag, data = @data WHERE key = @key`,
  );
  const remove = db.prepare<[string]>('DELETE FROM records WHERE key = ?');
  // At most 2^5 filter combinations, so caching every list statement is bounded.
  const listStatements = new Map<string, Database.Statement<unknown[], Row>>();

  const applyBatch = db.transaction((writes: Write[]): StoredRecord[] => {
    const stored: StoredRecord[] = [];
    for (const write of writes) {
      const key = keyOf(write);
      const current = selectOne.get(key);
      if (write.expect && !holds(write.expect, current?.etag)) {
        throw new ExpectationFailedError(key, write.expect);
      }
      if (write.op === 'delete') {
        remove.run(key);
        continue;
      }
      const row = toRow(write.record, current?.seq ?? nextSeq.get()!.value);
      (current ? update : insert).run(row);
      stored.push(fromRow(row));
    }
    return stored;
  });

  return {
    async get<T>(key: string) {
      const row = selectOne.get(key);
      return row && fromRow<T>(row);
    },
    async list<T>(query: ListQuery) {
      const { where, params } = listFilter(query, () => '?');
      let statement = listStatements.get(where);
      if (!statement) {
        statement = db.prepare<unknown[], Row>(`SELECT * FROM records ${where} ORDER BY seq LIMIT ?`);
        listStatements.set(where, statement);
      }
      return statement.all(...params, query.limit).map((row) => fromRow<T>(row));
    },
    async apply(writes: Write[]) {
      return applyBatch.immediate(writes);
    },
    async close() {
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  // Reads the version under the write lock so two processes opening a new file migrate it once.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`metadata database schema version ${version} is newer than this Kiln (${MIGRATIONS.length})`);
    }
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function toRow(record: NewRecord, seq: number): Row {
  return {
    key: record.key,
    kind: record.kind,
    subscription: record.subscription,
    resource_group: record.resourceGroup,
    parent: record.parent,
    seq,
    etag: randomUUID(),
    data: JSON.stringify(record.data),
  };
}

function fromRow<T>(row: Row): StoredRecord<T> {
  return recordOf(row, row.seq, JSON.parse(row.data) as T);
}
