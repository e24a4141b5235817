import type { JobOptions } from '../ports/job-queue.ts';
import type { NewRecord } from '../ports/metadata-store.ts';

export const JOB_KIND = 'kiln/jobs';

/**
 * A job as stored. Its task and payload were checked against the queue's payload map when it was
 * enqueued (`JobRequest`); read back from the store they are plain JSON again.
 */
export interface JobData extends JobOptions {
  /** Name of the task that runs it, e.g. `disk.fill`. */
  task: string;
  payload: unknown;
  id: string;
  state: 'queued' | 'running';
  attempts: number;
  /** ISO time before which the job is not claimed (retry backoff). */
  runAfter: string;
  leaseOwner?: string;
  /** ISO time after which another worker may take the job over. */
  leaseUntil?: string;
  cancelRequested?: boolean;
  lastError?: string;
  progress?: { percent: number; detail?: string };
}

export const jobKey = (id: string): string => `/jobs/${id}`;

/** The lane of `task`'s jobs that only `node` runs (`JobOptions.node`); its jobs that any node runs wait in `task`. */
export const nodeLane = (task: string, node: string): string => `${task}@${node}`;

/**
 * The record of a job. It waits in its task's lane (or in its task's lane for its node), due when a worker may claim it: a queued job once
 * its `runAfter` passes, a running one once its lease runs out (its worker died).
 */
export function jobRecord(data: JobData): NewRecord<JobData> {
  const dueAt = Date.parse(data.state === 'queued' ? data.runAfter : (data.leaseUntil ?? data.runAfter));
  return {
    key: jobKey(data.id),
    kind: JOB_KIND,
    subscription: '',
    resourceGroup: null,
    parent: null,
    due: { lane: data.node ? nodeLane(data.task, data.node) : data.task, at: dueAt },
    data,
  };
}
