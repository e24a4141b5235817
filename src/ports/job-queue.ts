/**
 * Durable background work. Enqueueing is expressed as a store write so that a domain operation
 * can create a resource and the job that finishes it in one atomic batch: either both exist or
 * neither does.
 *
 * A queue is typed by a map from task name to payload (`Payloads`, the domain's `TaskPayloads`), so a
 * job names a task that exists and carries exactly that task's payload. Payloads are stored as JSON
 * in the job's record: plain data only (no dates, maps or class instances).
 */
import type { Write } from './metadata-store.ts';

/** How a job runs, whatever its task. */
export interface JobOptions {
  maxAttempts?: number;
  /** Abort the attempt after this long. */
  timeoutMs?: number;
  /**
   * Only the node of this id runs it (its lane is the task's own for that node): a VM's jobs run
   * where its process and disk files are. Any node runs it when left out.
   */
  node?: string;
}

/** One job for one of `Payloads`' tasks, e.g. `{ task: 'disk.copy', payload: { ... } }`, with its payload's exact type. */
export type JobRequest<Payloads> = {
  [Task in keyof Payloads & string]: JobOptions & { task: Task; payload: Payloads[Task] };
}[keyof Payloads & string];

export interface JobQueue<Payloads> {
  /** The write that enqueues `job`; include it in the batch that creates what the job finishes. */
  enqueueWrite(job: JobRequest<Payloads>): Write;
  /**
   * The write that asks the job named by `jobKey` (the key of its enqueue write) to stop: its running
   * attempt is aborted, or it fails as canceled before it starts. Undefined when the job is gone.
   */
  cancelWrite(jobKey: string): Promise<Write | undefined>;
  /** Hints workers in this process that new work is waiting (they also poll). */
  nudge(): void;
}
