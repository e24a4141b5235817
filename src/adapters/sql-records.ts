/**
 * What the SQL metadata stores share: a row's columns and how they become a stored record,
 * expectation checks and the WHERE clause of `list`. Each dialect hands `seq` and `data` over in
 * its own types (PostgreSQL: bigint as a string, jsonb parsed; SQLite: a number, JSON text).
 * A record's `due` lives in two columns, `lane` and `due_at`, which the claim index covers.
 */
import type { DueClaim, Expectation, ListQuery, NewRecord, StoredRecord, Write } from '../ports/metadata-store.ts';

/** A row of the records table, with `seq` and `data` as the dialect's driver returns them. */
export interface RecordRow<Seq, Data> {
  key: string;
  kind: string;
  subscription: string;
  resource_group: string | null;
  parent: string | null;
  lane: string | null;
  /** Epoch milliseconds, in the dialect's integer type (PostgreSQL's bigint arrives as a string). */
  due_at: Seq | null;
  seq: Seq;
  etag: string;
  data: Data;
}

/** The stored record a row holds, given its `seq` and `data` already read from the dialect's types. */
export function recordOf<T>(row: RecordRow<unknown, unknown>, seq: number, data: T): StoredRecord<T> {
  return {
    key: row.key,
    kind: row.kind,
    subscription: row.subscription,
    resourceGroup: row.resource_group,
    parent: row.parent,
    ...(row.lane !== null && row.due_at !== null ? { due: { lane: row.lane, at: Number(row.due_at) } } : {}),
    seq,
    etag: row.etag,
    data,
  };
}

/** The due columns of a record: both null for records nobody claims. */
export function dueColumns(record: NewRecord): { lane: string | null; due_at: number | null } {
  return { lane: record.due?.lane ?? null, due_at: record.due ? Math.floor(record.due.at) : null };
}

/** Whether a batch put a record that is due already, which claimers should hear of now. */
export function putsDueRecord(writes: Write[], now: number): boolean {
  return writes.some((write) => write.op === 'put' && write.record.due !== undefined && write.record.due.at <= now);
}

/** The claimed record `take` made, refused if it would move the claim to another record. */
export function claimedRecord<T>(claim: DueClaim<T>, found: StoredRecord<T>): NewRecord<T> {
  const next = claim.take(found);
  if (next.key !== found.key || next.kind !== found.kind) {
    throw new Error(`a claim of ${found.key} must store the same record, not ${next.key} (${next.kind})`);
  }
  return next;
}

/** The key a write puts or deletes. */
export function keyOf(write: Write): string {
  return write.op === 'put' ? write.record.key : write.key;
}

/** Whether `expectation` holds for a record whose current etag is `etag` (undefined: no record). */
export function holds(expectation: Expectation, etag: string | undefined): boolean {
  if ('absent' in expectation) return etag === undefined;
  if ('present' in expectation) return etag !== undefined;
  return etag === expectation.etag;
}

/** The filters of a list query; `placeholder(i)` spells the i-th (1-based) parameter in the dialect. */
export function listFilter(
  query: ListQuery,
  placeholder: (index: number) => string,
): { where: string; params: unknown[] } {
  const filters: [string, unknown][] = [
    ['kind =', query.kind],
    ['subscription =', query.subscription],
    ['resource_group =', query.resourceGroup],
    ['parent =', query.parent],
    ['lane =', query.lane],
    ['seq >', query.afterSeq],
  ];
  const present = filters.filter(([, value]) => value !== undefined);
  const clauses = present.map(([condition], i) => `${condition} ${placeholder(i + 1)}`);
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    params: present.map(([, value]) => value),
  };
}
