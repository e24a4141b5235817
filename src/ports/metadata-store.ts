/**
 * Durable metadata: every ARM resource, long-running operation, job and principal is a record.
 * Writes go in atomic batches guarded by per-record expectations (optimistic concurrency), so a
 * domain operation either lands whole or not at all and two writers can never both win.
 */

export interface RecordPlacement {
  /** Lower-cased identity of the record (for ARM resources: the lower-cased resource id). */
  key: string;
  /** Lower-cased kind: an ARM type such as `microsoft.compute/disks`, or `kiln/jobs` for internal records. */
  kind: string;
  /** Lower-cased subscription id, or '' for tenant-level records. */
  subscription: string;
  /** Lower-cased resource group name, or null outside resource groups. */
  resourceGroup: string | null;
  /** Lower-cased key of the parent resource (for child resources), or null. */
  parent: string | null;
  /**
   * For records that workers claim (jobs): the lane they wait in and when they are next due. Stores
   * index both, so `claimDue` and a lane's listing reach these records without reading the others.
   */
  due?: Due;
}

export interface Due {
  /** What the record waits for, e.g. a job's task: a claimer names the lanes it serves. */
  lane: string;
  /** Epoch milliseconds after which the record may be claimed (again). */
  at: number;
}

export interface NewRecord<T = unknown> extends RecordPlacement {
  data: T;
}

export interface StoredRecord<T = unknown> extends NewRecord<T> {
  /** Changes on every write; quoted as an HTTP ETag by the API. */
  etag: string;
  /** Assigned once at insert, never reused: gives lists a stable order for paging. */
  seq: number;
}

export type Expectation = { absent: true } | { present: true } | { etag: string };

export type Write =
  { op: 'put'; record: NewRecord; expect?: Expectation } | { op: 'delete'; key: string; expect?: Expectation };

export interface ListQuery {
  kind?: string;
  subscription?: string;
  resourceGroup?: string;
  parent?: string;
  /** Only records waiting in this lane (`RecordPlacement.due`). */
  lane?: string;
  /** Only records with seq greater than this (the paging cursor). */
  afterSeq?: number;
  limit: number;
}

/** Thrown by `apply` when an expectation does not hold; nothing of the batch was written. */
export class ExpectationFailedError extends Error {
  constructor(
    readonly key: string,
    readonly expectation: Expectation,
  ) {
    super(`expectation ${JSON.stringify(expectation)} failed for ${key}`);
    this.name = 'ExpectationFailedError';
  }
}

/** Which records a `claimDue` may take, and what it writes in place of the one it takes. */
export interface DueClaim<T> {
  kind: string;
  lanes: string[];
  /** Epoch milliseconds: records due at or before it are claimable. */
  now: number;
  /** The claimed record to store (same key and kind), e.g. marked running with a lease as its new due time. */
  take(record: StoredRecord<T>): NewRecord<T>;
}

export interface MetadataStore {
  get<T = unknown>(key: string): Promise<StoredRecord<T> | undefined>;
  /**
   * The etag of the record at `key`, or undefined when there is none: one column, for a reader that
   * keeps what it made of a record and only needs to know whether the record changed since.
   */
  etag(key: string): Promise<string | undefined>;
  /** Records matching every given filter, ordered by seq ascending. */
  list<T = unknown>(query: ListQuery): Promise<StoredRecord<T>[]>;
  /**
   * Applies every write atomically, in order, after checking all expectations.
   * Returns the stored form of each put (with its new etag and seq), in batch order.
   */
  apply(writes: Write[]): Promise<StoredRecord[]>;
  /**
   * Takes the record of `kind`, in one of `lanes`, that has been due longest (due time, then seq) and
   * writes `take(record)` in its place, atomically; undefined when none is due. Records another claim
   * or batch holds at that moment are passed over, not waited for, so concurrent claimers take
   * different records; records not yet due, or in other lanes, never hide due ones.
   */
  claimDue<T>(claim: DueClaim<T>): Promise<StoredRecord<T> | undefined>;
  /**
   * Calls `listener` soon after a batch puts a record that is due already: from any handle on this
   * store where the engine can tell other processes (PostgreSQL), else from this handle. A hint for
   * claimers to look now instead of at their next poll; returns the function that stops it.
   */
  watchDue(listener: () => void): () => void;
  close(): Promise<void>;
}
