/**
 * Page writes and sealing of one staging blob must not overlap: a write landing while the blob's
 * chunks are listed for its sealed record would change a sealed blob behind its name. The gate
 * refuses writes to a blob being sealed and lets a seal start once the writes in flight are done.
 */
import { storeError } from './store-error.ts';

const beingSealed = (key: string) => storeError('BlobBeingSealed', `The staging blob '${key}' is being sealed.`);

export function createSealGate() {
  const writers = new Map<string, number>();
  const sealing = new Map<string, () => void>();
  return {
    enterWrite(key: string): void {
      if (sealing.has(key)) throw beingSealed(key);
      writers.set(key, (writers.get(key) ?? 0) + 1);
    },
    leaveWrite(key: string): void {
      const left = (writers.get(key) ?? 1) - 1;
      if (left > 0) {
        writers.set(key, left);
      } else {
        writers.delete(key);
        sealing.get(key)?.();
      }
    },
    /** Refuses new writes to `key` and resolves once the writes in flight are done. */
    async enterSeal(key: string): Promise<void> {
      if (sealing.has(key)) throw beingSealed(key);
      let drained!: () => void;
      const done = new Promise<void>((resolve) => (drained = resolve));
      sealing.set(key, drained);
      if (!writers.has(key)) drained();
      await done;
    },
    leaveSeal(key: string): void {
      sealing.delete(key);
    },
  };
}
