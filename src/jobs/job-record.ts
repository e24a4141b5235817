import type { JobRequest } from '../ports/job-queue.ts';
import type { NewRecord } from '../ports/metadata-store.ts';

export const JOB_KIND = 'kiln/jobs';

export interface JobData extends JobRequest {
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

export function jobRecord(data: JobData): NewRecord<JobData> {
  return { key: jobKey(data.id), kind: JOB_KIND, subscription: '', resourceGroup: null, parent: null, data };
}
