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
 * A kind of background work, given its jobs' payloads typed. `run` must be idempotent: after a crash
 * the job runs again from the start on another attempt. Its returned writes are applied atomically
 * with the job's removal, so the result is recorded exactly once.
 */
export interface TaskHandler<Payload> {
  // Properties, not methods: their parameters are then checked strictly, so a handler wanting more
  // than its task's payload carries does not type-check.
  run: (payload: Payload, ctx: TaskContext) => Promise<Write[]>;
  /** Records a final failure (last attempt failed, user error, timeout or cancel). */
  fail: (payload: Payload, error: ArmErrorBody, ctx: TaskContext) => Promise<Write[]>;
}

/** A handler for every task of a payload map (the domain's `TaskPayloads`), each taking its own payload. */
export type TaskHandlers<Payloads> = { [Task in keyof Payloads & string]: TaskHandler<Payloads[Task]> };

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

/**
 * Thrown by a task whose job must run on another node (the one that runs the VM it changes): the job
 * moves to that node's lane, due at once, without counting an attempt.
 */
export class RunOnNode extends Error {
  constructor(readonly node: string) {
    super(`runs on node ${node}`);
    this.name = 'RunOnNode';
  }
}
