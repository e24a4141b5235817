import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.ts';
import { newGuid } from '../core/ids.ts';
import type { JobQueue, JobRequest } from '../ports/job-queue.ts';
import type { MetadataStore, Write } from '../ports/metadata-store.ts';
import { jobRecord, type JobData } from './job-record.ts';

/**
 * A job queue kept in the metadata store itself, so enqueueing joins the caller's atomic batch.
 * `Payloads` maps each task name to its payload (Kiln's is the domain's `TaskPayloads`).
 */
export class StoreJobQueue<Payloads> implements JobQueue<Payloads> {
  readonly wakeups = new EventEmitter();

  constructor(
    private readonly clock: Clock,
    private readonly store?: MetadataStore,
  ) {}

  enqueueWrite(job: JobRequest<Payloads>): Write {
    const record = jobRecord({
      ...job,
      id: newGuid(),
      state: 'queued',
      attempts: 0,
      runAfter: this.clock.now().toISOString(),
    });
    return { op: 'put', record, expect: { absent: true } };
  }

  async cancelWrite(jobKey: string): Promise<Write | undefined> {
    const job = await this.store?.get<JobData>(jobKey);
    if (!job) return undefined;
    return { op: 'put', record: jobRecord({ ...job.data, cancelRequested: true }), expect: { etag: job.etag } };
  }

  nudge(): void {
    this.wakeups.emit('work');
  }
}
