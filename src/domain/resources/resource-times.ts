/**
 * ARM's `createdTime` and `changedTime` of every tracked resource (what `$expand=createdTime,changedTime`
 * shows), kept where every write passes: the metadata store, wrapped once by the composition root. A
 * put of a tracked resource's record gets `times` beside its `resource` and `internal`: the time it
 * was first written, carried over from the record it replaces, and now.
 *
 * Invariants:
 *  - No operation needs to know: a record its operation builds afresh gets its creation time back from
 *    the stored one (read before the batch; a resource's creation time never changes, so no race
 *    matters), a record made with an `absent` expectation is created now.
 *  - A record written before this existed has no creation time until it is made again.
 *  - Only the written copy changes; the caller's records are left as they were.
 */
import type { Clock } from '../../core/clock.ts';
import type { MetadataStore, Write } from '../../ports/metadata-store.ts';

export interface ResourceTimes {
  createdTime?: string;
  changedTime: string;
}

interface Timed {
  resource?: unknown;
  times?: ResourceTimes;
}

/** The times kept in a record's data, if any. */
export const resourceTimes = (data: unknown): ResourceTimes | undefined => (data as Timed | undefined)?.times;

/** `store`, with every put of a record of one of `kinds` (lower-cased) stamped with its times. */
export function stampResourceTimes(store: MetadataStore, clock: Clock, kinds: readonly string[]): MetadataStore {
  const tracked = new Set(kinds);
  const stamp = async (write: Write, now: string): Promise<Write> => {
    if (write.op !== 'put' || !tracked.has(write.record.kind)) return write;
    const data = write.record.data as Timed;
    if (data?.resource === undefined) return write;
    let createdTime = data.times?.createdTime;
    if (createdTime === undefined) {
      const before = 'absent' in (write.expect ?? {}) ? undefined : await store.get(write.record.key);
      createdTime = before ? resourceTimes(before.data)?.createdTime : now;
    }
    return { ...write, record: { ...write.record, data: { ...data, times: { createdTime, changedTime: now } } } };
  };
  return {
    get: (key) => store.get(key),
    etag: (key) => store.etag(key),
    list: (query) => store.list(query),
    close: () => store.close(),
    // A claim rewrites a job, never a tracked resource: nothing to stamp.
    claimDue: (claim) => store.claimDue(claim),
    watchDue: (listener) => store.watchDue(listener),
    async apply(writes) {
      const now = clock.now().toISOString();
      return store.apply(await Promise.all(writes.map((write) => stamp(write, now))));
    },
  };
}
