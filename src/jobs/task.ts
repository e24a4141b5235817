import type { ArmErrorBody } from '../core/arm-error.ts';
import type { Write } from '../ports/metadata-store.ts';

export interface TaskContext {
  jobId: string;
  attempt: number;
  /** Aborted on cancel, timeout or loss of the lease: stop and throw. */
  signal: AbortSignal;
  progress(percent: number, detail?: string): Promise<void>;
}

/**
 * A kind of background work. `run` must be idempotent: after a crash the job runs again from the
 * start on another attempt. Its returned writes are applied atomically with the job's removal, so
 * the result is recorded exactly once.
 */
export interface TaskHandler {
  run(payload: Record<string, unknown>, ctx: TaskContext): Promise<Write[]>;
  /** Records a final failure (last attempt failed, user error, timeout or cancel). */
  fail(payload: Record<string, unknown>, error: ArmErrorBody, ctx: TaskContext): Promise<Write[]>;
}

/**
 * Thrown by a task that is waiting on other work (another job finishing): the job is tried again
 * after `delayMs` without counting an attempt, and no worker is held while it waits.
 */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryLater';
  }
}
