/**
 * Optimistic concurrency's other half: an operation reads, builds one batch whose writes expect what
 * it read, and when a record changed before the batch landed (a racing request, a job renewing its
 * lease) it runs again from fresh reads, rather than answering the caller with a conflict it did not cause.
 */
import { ArmError } from '../../core/arm-error.ts';
import { ExpectationFailedError } from '../../ports/metadata-store.ts';

const ATTEMPTS = 10;

/**
 * Runs `operation` again from its reads while a record it read changed before its batch landed,
 * after a short random pause that grows with each attempt, so writers racing on one record take turns.
 */
export async function retryOnRace<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof ExpectationFailedError)) throw error;
      if (attempt === ATTEMPTS)
        throw new ArmError(
          409,
          'AnotherOperationInProgress',
          `Another operation on this or a dependent resource kept changing it (${ATTEMPTS} attempts); retry the request.`,
        );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
