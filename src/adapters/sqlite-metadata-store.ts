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
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import {
  ExpectationFailedError,
  type DueClaim,
  type ListQuery,
  type MetadataStore,
  type NewRecord,
  type StoredRecord,
  type Write,
} from '../ports/metadata-store.ts';
import { makeOwnerOnly } from './owner-only.ts';
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
  `ALTER TABLE records ADD COLUMN lane TEXT;
   ALTER TABLE records ADD COLUMN due_at INTEGER;
   -- Jobs stored before due times had columns get theirs from their JSON (queued: runAfter; running:
   -- the lease's end), so an upgrade neither strands a waiting job nor takes one whose worker still runs it.
   UPDATE records SET lane = json_extract(data, '$.task'),
     due_at = COALESCE(CAST(unixepoch(CASE json_extract(data, '$.state') WHEN 'queued' THEN json_extract(data, '$.runAfter')
       ELSE json_extract(data, '$.leaseUntil') END, 'subsec') * 1000 AS INTEGER), 0)
     WHERE kind = 'kiln/jobs';
   CREATE INDEX records_due ON records (kind, due_at, seq) WHERE due_at IS NOT NULL;
   CREATE INDEX records_lane ON records (kind, lane, seq) WHERE lane IS NOT NULL;`,
];

/** data is JSON text. */
type Row = RecordRow<number, string>;

/**
 * A record's columns besides its key, as `get` reads them: an array (better-sqlite3's raw mode), which
 * costs less to make than a row object, on the path of every API call that reads a resource.
 */
const RECORD_COLUMNS = 'kind, subscription, resource_group, parent, lane, due_at, seq, etag, data';
type RecordValues = [
  string,
  string,
  string | null,
  string | null,
  string | null,
  number | null,
  number,
  string,
  string,
];

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
  const selectValues = db.prepare<[string], RecordValues>(`SELECT ${RECORD_COLUMNS} FROM records WHERE key = ?`).raw();
  const selectEtag = db.prepare<[string], [string]>('SELECT etag FROM records WHERE key = ?').raw();
  const nextSeq = db.prepare<[], { value: number }>(
    "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value",
  );
  const insert = db.prepare(
    `INSERT INTO records (key, kind, subscription, resource_group, parent, lane, due_at, seq, etag, data)
     VALUES (@key, @kind, @subscription, @resource_group, @parent, @lane, @due_at, @seq, @etag, @data)`,
  );
  const update = db.prepare(
    `UPDATE records SET kind = @kind, subscription = @subscription, resource_group = @resource_group,
       parent = @parent, lane = @lane, due_at = @due_at, etag = @etag, data = @data WHERE key = @key`,
  );
  // Walks the due index in order; the lanes come as one JSON array so the statement is prepared once.
  const selectDue = db.prepare<[string, number, string], Row>(
    `SELECT * FROM records WHERE kind = ? AND due_at <= ? AND lane IN (SELECT value FROM json_each(?))
     ORDER BY due_at, seq LIMIT 1`,
  );
  const remove = db.prepare<[string]>('DELETE FROM records WHERE key = ?');
  // At most 2^6 filter combinations, so caching every list statement is bounded.
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
  // Only this handle can tell: other processes on the file find due records at their next poll.
  const dueWatchers = new EventEmitter();

  const claimBatch = db.transaction(<T>(claim: DueClaim<T>): StoredRecord<T> | undefined => {
    const found = selectDue.get(claim.kind, claim.now, JSON.stringify(claim.lanes));
    if (!found) return undefined;
    const row = toRow(claimedRecord(claim, fromRow<T>(found)), found.seq);
    update.run(row);
    return fromRow<T>(row);
  });

  return {
    async get<T>(key: string) {
      const values = selectValues.get(key);
      if (!values) return undefined;
      const [kind, subscription, resource_group, parent, lane, due_at, seq, etag, data] = values;
      return fromRow<T>({ key, kind, subscription, resource_group, parent, lane, due_at, seq, etag, data });
    },
    async etag(key: string) {
      return selectEtag.get(key)?.[0];
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
      const stored = applyBatch.immediate(writes);
      if (putsDueRecord(writes, Date.now())) dueWatchers.emit('due');
      return stored;
    },
    async claimDue<T>(claim: DueClaim<T>) {
      return claimBatch.immediate(claim) as StoredRecord<T> | undefined;
    },
    watchDue(listener: () => void) {
      dueWatchers.on('due', listener);
      return () => dueWatchers.off('due', listener);
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
    ...dueColumns(record),
    seq,
    etag: randomUUID(),
    data: JSON.stringify(record.data),
  };
}

function fromRow<T>(row: Row): StoredRecord<T> {
  return recordOf(row, row.seq, JSON.parse(row.data) as T);
}
