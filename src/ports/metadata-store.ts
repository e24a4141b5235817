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

export interface MetadataStore {
  get<T = unknown>(key: string): Promise<StoredRecord<T> | undefined>;
  /** Records matching every given filter, ordered by seq ascending. */
  list<T = unknown>(query: ListQuery): Promise<StoredRecord<T>[]>;
  /**
   * Applies every write atomically, in order, after checking all expectations.
   * Returns the stored form of each put (with its new etag and seq), in batch order.
   */
  apply(writes: Write[]): Promise<StoredRecord[]>;
  close(): Promise<void>;
}
