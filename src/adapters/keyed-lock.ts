/**
 * One piece of async work at a time per name, in call order; different names run concurrently.
 * A store takes it where a decision and the file change it leads to must not interleave with
 * another's (a chunk found present and then unlinked, two replacements of one record).
 */
export type KeyedLock = <T>(name: string, work: () => Promise<T>) => Promise<T>;

export function createKeyedLock(): KeyedLock {
  /** The end of the last work queued under each name; gone once nothing is queued. */
  const tails = new Map<string, Promise<void>>();
  return async (name, work) => {
    const previous = tails.get(name);
    let done!: () => void;
    const tail = new Promise<void>((resolve) => (done = resolve));
    tails.set(name, tail);
    await previous;
    try {
      return await work();
    } finally {
      done();
      if (tails.get(name) === tail) tails.delete(name);
    }
  };
}
