/**
 * Runs async tasks with at most `budget` of some weight in flight (a count, or bytes), so callers
 * that stream work (chunks, blocks) overlap a few transfers while bounding memory. A task heavier
 * than the whole budget still runs, alone. The first failure is kept, not left rejected, so no
 * promise goes unhandled while the caller reads on; after it `add` refuses more work, and `idle`
 * waits for every task in flight, so nothing is still writing when the caller returns or throws.
 */
export function taskPool(budget: number) {
  const running = new Set<Promise<void>>();
  let used = 0;
  let failure: { error: unknown } | undefined;
  const throwIfFailed = (): void => {
    if (failure !== undefined) throw failure.error;
  };
  return {
    /** Starts `task` once `weight` (1 unless told) fits in the budget; throws the first failure instead. */
    async add(task: () => Promise<unknown>, weight = 1): Promise<void> {
      while (running.size > 0 && used + weight > budget) await Promise.race(running);
      throwIfFailed();
      used += weight;
      const settled: Promise<void> = task()
        .then(
          () => undefined,
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(() => {
          running.delete(settled);
          used -= weight;
        });
      running.add(settled);
    },
    async idle(): Promise<void> {
      await Promise.all(running);
    },
    throwIfFailed,
  };
}
