/**
 * The job engine's metrics, from two sources:
 *  - `kiln_jobs{state,task}`: the job records in the metadata store, counted at each scrape, so every
 *    node shows the whole installation's queue (the same numbers: aggregate with max, not sum);
 *  - the events of this process's workers (`JobEvent`), so each node counts its own work: events by
 *    task, and the time from claim to end of builds (`imageTemplate.run`) and replications
 *    (`galleryVersion.replicate`).
 * Labels are task names, states, events and outcomes, never a job id: the series stay bounded.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { JOB_KIND, type JobData } from '../jobs/job-record.ts';
import type { JobEvent } from '../jobs/worker.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';

/** Job records read per scrape, oldest first; past it the counts stop growing. */
export const JOB_COUNT_LIMIT = 10_000;

const MINUTE = 60;
/** A busybox build takes seconds, a Debian one with customizers minutes, the longest run 240 minutes by default. */
const BUILD_BUCKETS = [
  5,
  15,
  30,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  20 * MINUTE,
  40 * MINUTE,
  80 * MINUTE,
  240 * MINUTE,
];
/** From a version of one small disk in one region (under a second) to hundreds of GiB across regions. */
const REPLICATION_BUCKETS = [0.5, 1, 5, 15, 30, MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 240 * MINUTE];

/** Registers the job metrics in `registry`; the function returned takes every worker event. */
export function jobMetrics(registry: Registry, store: MetadataStore): (event: JobEvent) => void {
  // Every (state, task) seen stays a series, at 0 once no job has it: a series that vanished would read as "unknown".
  const seen = new Map<string, { state: string; task: string }>();
  new Gauge({
    name: 'kiln_jobs',
    help: `Jobs in the metadata store by state (queued, running) and task, whichever node runs them; counted at each scrape from at most ${JOB_COUNT_LIMIT} job records.`,
    labelNames: ['state', 'task'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>();
      let jobs;
      try {
        jobs = await store.list<JobData>({ kind: JOB_KIND, limit: JOB_COUNT_LIMIT });
      } catch {
        // No number is better than a wrong one; /healthz/ready names the store that failed.
        return this.reset();
      }
      for (const { data } of jobs) {
        const key = `${data.state} ${data.task}`;
        seen.set(key, { state: data.state, task: data.task });
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, labels] of seen) this.set(labels, counts.get(key) ?? 0);
    },
  });
  const events = new Counter({
    name: 'kiln_job_events_total',
    help: "Events of this process's job workers by task and event: claimed, finished, failed (for good), retrying (an attempt failed and will be retried), waiting (the task waits on other work, RetryLater), moved (to the node that must run it, RunOnNode), lease-lost.",
    labelNames: ['task', 'event'],
    registers: [registry],
  });
  const durations: Record<string, Histogram> = {
    'imageTemplate.run': new Histogram({
      name: 'kiln_build_duration_seconds',
      help: 'Image template runs on this process, from claim to end (the build; distribution finishes in jobs of its own), by outcome: finished or failed.',
      labelNames: ['outcome'],
      buckets: BUILD_BUCKETS,
      registers: [registry],
    }),
    'galleryVersion.replicate': new Histogram({
      name: 'kiln_replication_duration_seconds',
      help: 'Gallery image version replications on this process, from claim to end, by outcome: finished or failed.',
      labelNames: ['outcome'],
      buckets: REPLICATION_BUCKETS,
      registers: [registry],
    }),
  };
  /** When each running build or replication of this process was claimed, by job id; an attempt's end removes it. */
  const claimedAt = new Map<string, number>();

  return (event) => {
    events.inc({ task: event.task, event: event.event });
    const duration = durations[event.task];
    if (duration === undefined) return;
    if (event.event === 'claimed') return void claimedAt.set(event.job, Date.parse(event.at));
    const started = claimedAt.get(event.job);
    claimedAt.delete(event.job);
    if (started !== undefined && (event.event === 'finished' || event.event === 'failed'))
      duration.observe({ outcome: event.event }, (Date.parse(event.at) - started) / 1000);
  };
}
