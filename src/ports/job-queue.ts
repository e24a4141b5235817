/**
 * Durable background work. Enqueueing is expressed as a store write so that a domain operation
 * can create a resource and the job that finishes it in one atomic batch: either both exist or
 * neither does.
 */
import type { Write } from './metadata-store.ts';

export interface JobRequest {
  /** Name of the task that runs it, e.g. `disk.copy`. */
  task: string;
  payload: Record<string, unknown>;
  maxAttempts?: number;
  /** Abort the attempt after this long. */
  timeoutMs?: number;
}

export interface JobQueue {
  /** The write that enqueues `job`; include it in the batch that creates what the job finishes. */
  enqueueWrite(job: JobRequest): Write;
  /**
   * The write that asks the job named by `jobKey` (the key of its enqueue write) to stop: its running
   * attempt is aborted, or it fails as canceled before it starts. Undefined when the job is gone.
   */
  cancelWrite(jobKey: string): Promise<Write | undefined>;
  /** Hints workers in this process that new work is waiting (they also poll). */
  nudge(): void;
}
