/**
 * Runs jobs from the store. A worker claims the job due longest with the store's `claimDue`, so
 * several workers (in one process or many, on SQLite or PostgreSQL) never run one job at the same
 * time; it keeps a lease alive while running (each renewal a compare-and-swap on the job's etag),
 * and a job whose lease expired (its worker died) is due again and taken over by the next claim.
 * Workers look when woken (an enqueue here, or a due job put by another process) and every poll.
 */
import { ArmError, type ArmErrorBody } from '../core/arm-error.ts';
import type { Clock } from '../core/clock.ts';
import { newGuid } from '../core/ids.ts';
import { ExpectationFailedError, type MetadataStore, type StoredRecord, type Write } from '../ports/metadata-store.ts';
import { JOB_KIND, jobRecord, nodeLane, type JobData } from './job-record.ts';
import type { StoreJobQueue } from './store-job-queue.ts';
import { RetryLater, RunOnNode, type TaskContext, type TaskHandler, type TaskHandlers } from './task.ts';

/** `Payloads` maps each task name to its payload; `tasks` has a handler for each. */
export interface WorkerOptions<Payloads> {
  store: MetadataStore;
  queue: StoreJobQueue<Payloads>;
  tasks: TaskHandlers<Payloads>;
  clock: Clock;
  pollMs?: number;
  leaseMs?: number;
  /** The node this worker runs on: it also runs the jobs only that node may run (`JobOptions.node`). */
  node?: string;
  /** Called with failures outside a task's own outcome (a lease renewal, a claim), with the job when there is one; never with secrets. */
  onError?: (error: unknown, job?: { id: string; task: string }) => void;
  /** Told of every claim and outcome, for operators watching who ran what and when. */
  onEvent?: (event: JobEvent) => void;
}

export interface JobEvent {
  /**
   * `retrying`: an attempt failed and the job runs again after a backoff; `waiting`: its task waits on
   * other work (RetryLater); `moved`: it must run on another node (RunOnNode), whose lane it went to.
   */
  event: 'claimed' | 'finished' | 'failed' | 'retrying' | 'waiting' | 'moved' | 'lease-lost';
  job: string;
  task: string;
  worker: string;
  attempt: number;
  at: string;
  error?: string;
}

export interface Worker {
  readonly id: string;
  stop(): Promise<void>;
}

const DEFAULT_ATTEMPTS = 5;

export function backoffMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

export function startWorker<Payloads>(options: WorkerOptions<Payloads>): Worker {
  const { store, queue, tasks, clock } = options;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const onError = options.onError ?? (() => {});
  const tell = (event: JobEvent['event'], job: JobData, error?: string) =>
    options.onEvent?.({
      event,
      job: job.id,
      task: job.task,
      worker: id,
      attempt: job.attempts,
      at: clock.now().toISOString(),
      ...(error ? { error } : {}),
    });
  const id = `worker-${newGuid()}`;
  let stopping = false;
  let wake: (() => void) | undefined;
  const onWork = () => wake?.();
  queue.wakeups.on('work', onWork);
  // Jobs enqueued by other processes wake this worker too, where the store can tell (PostgreSQL).
  const unwatch = store.watchDue(onWork);

  // The store's due index finds the job due longest in a lane this worker serves; jobs that are
  // leased, waiting to retry or for tasks it lacks are never read, so they cannot starve newer ones.
  const lanes = Object.keys(tasks).flatMap((task) => (options.node ? [task, nodeLane(task, options.node)] : [task]));
  const claimNext = (): Promise<StoredRecord<JobData> | undefined> => {
    const now = clock.now().getTime();
    return store.claimDue<JobData>({
      kind: JOB_KIND,
      lanes,
      now,
      take: (candidate) =>
        jobRecord({
          ...candidate.data,
          state: 'running',
          attempts: candidate.data.attempts + 1,
          leaseOwner: id,
          leaseUntil: new Date(now + leaseMs).toISOString(),
        }),
    });
  };

  async function execute(job: StoredRecord<JobData>): Promise<void> {
    // The stored payload is its task's: the queue took it typed by the same map (`JobRequest<Payloads>`).
    const handler = tasks[job.data.task as keyof Payloads & string] as TaskHandler<unknown>;
    const controller = new AbortController();
    let current = job;
    let renewing: Promise<void> = Promise.resolve();
    const jobError = (error: unknown) => onError(error, { id: job.data.id, task: job.data.task });

    // Renews the lease; a changed record means a cancel request or a lost lease.
    const renew = async (patch: Partial<JobData> = {}) => {
      const data = { ...current.data, ...patch, leaseUntil: new Date(clock.now().getTime() + leaseMs).toISOString() };
      try {
        const [next] = await store.apply([{ op: 'put', record: jobRecord(data), expect: { etag: current.etag } }]);
        current = next as StoredRecord<JobData>;
      } catch (error) {
        if (!(error instanceof ExpectationFailedError)) throw error;
        const fresh = await store.get<JobData>(current.key);
        if (!fresh || fresh.data.leaseOwner !== id) return controller.abort(new Error('lease lost'));
        current = fresh;
        if (fresh.data.cancelRequested)
          return controller.abort(new ArmError(200, 'OperationCanceled', 'The operation was canceled.'));
        await renew(patch);
      }
    };
    const heartbeat = setInterval(
      () => {
        renewing = renewing.then(() => renew()).catch(jobError);
      },
      Math.max(50, leaseMs / 3),
    );
    // A cancel request must stop the job within moments, not at the next lease renewal: look for it
    // whenever this process's queue is nudged (an API call here does that) and at least every second.
    const checkCancel = () => {
      if (controller.signal.aborted) return;
      store.get<JobData>(current.key).then((fresh) => {
        if (fresh?.data.cancelRequested)
          controller.abort(new ArmError(200, 'OperationCanceled', 'The operation was canceled.'));
      }, jobError);
    };
    const cancelWatch = setInterval(checkCancel, Math.min(1000, Math.max(50, leaseMs / 3)));
    queue.wakeups.on('work', checkCancel);
    const timeout = job.data.timeoutMs
      ? setTimeout(
          () =>
            controller.abort(
              new ArmError(200, 'OperationTimedOut', `The operation did not finish within ${job.data.timeoutMs} ms.`),
            ),
          job.data.timeoutMs,
        )
      : undefined;
    const ctx: TaskContext = {
      jobId: job.data.id,
      attempt: job.data.attempts,
      signal: controller.signal,
      progress: (percent, detail) => (renewing = renewing.then(() => renew({ progress: { percent, detail } }))),
    };

    tell('claimed', job.data);
    let outcome:
      { writes: Write[] } | { retryAt: Date; error: string; attempts: number; waiting?: boolean; node?: string };
    let failure: string | undefined;
    // finally: a throwing `fail` must still stop the heartbeat, or the lease is renewed forever.
    try {
      try {
        if (job.data.cancelRequested) throw new ArmError(200, 'OperationCanceled', 'The operation was canceled.');
        // A job taken over from dead workers counts those attempts too: a job that kills its worker every time ends.
        const allowed = job.data.maxAttempts ?? DEFAULT_ATTEMPTS;
        if (job.data.attempts > allowed) {
          throw new ArmError(
            200,
            'WorkerLost',
            `The worker running this operation stopped during each of its ${allowed} attempts${job.data.lastError ? ` (last error: ${job.data.lastError})` : ''}.`,
          );
        }
        outcome = { writes: await handler.run(job.data.payload, ctx) };
      } catch (thrown) {
        const error = controller.signal.aborted ? controller.signal.reason : thrown;
        if (error instanceof Error && error.message === 'lease lost') return tell('lease-lost', job.data);
        const final = error instanceof ArmError || job.data.attempts >= (job.data.maxAttempts ?? DEFAULT_ATTEMPTS);
        if (error instanceof RunOnNode) {
          outcome = { retryAt: clock.now(), error: error.message, attempts: job.data.attempts - 1, node: error.node };
        } else if (error instanceof RetryLater) {
          outcome = {
            retryAt: new Date(clock.now().getTime() + error.delayMs),
            error: error.message,
            attempts: job.data.attempts - 1,
            waiting: true,
          };
        } else if (final) {
          const body: ArmErrorBody =
            error instanceof ArmError
              ? error.toBody().error
              : { code: 'InternalOperationError', message: String((error as Error)?.message ?? error) };
          failure = `${body.code}: ${body.message}`;
          outcome = { writes: await handler.fail(job.data.payload, body, ctx) };
        } else {
          outcome = {
            retryAt: new Date(clock.now().getTime() + backoffMs(job.data.attempts)),
            error: String((error as Error)?.message ?? error),
            attempts: job.data.attempts,
          };
        }
      }
    } finally {
      await finish();
    }
    await settle(outcome);
    if ('retryAt' in outcome)
      tell(outcome.node ? 'moved' : outcome.waiting ? 'waiting' : 'retrying', job.data, outcome.error);
    else tell(failure ? 'failed' : 'finished', job.data, failure);

    async function finish() {
      clearInterval(heartbeat);
      clearInterval(cancelWatch);
      queue.wakeups.off('work', checkCancel);
      if (timeout) clearTimeout(timeout);
      await renewing.catch(jobError);
    }

    // Records the outcome and releases the job, retrying while a cancel request races with it.
    async function settle(result: typeof outcome): Promise<void> {
      const release: Write =
        'writes' in result
          ? { op: 'delete', key: current.key, expect: { etag: current.etag } }
          : {
              op: 'put',
              record: jobRecord({
                ...current.data,
                state: 'queued',
                attempts: result.attempts,
                runAfter: result.retryAt.toISOString(),
                node: result.node ?? current.data.node,
                leaseOwner: undefined,
                leaseUntil: undefined,
                lastError: result.error,
              }),
              expect: { etag: current.etag },
            };
      try {
        await store.apply('writes' in result ? [...result.writes, release] : [release]);
      } catch (error) {
        if (!(error instanceof ExpectationFailedError)) throw error;
        const fresh = await store.get<JobData>(current.key);
        if (!fresh || fresh.data.leaseOwner !== id) return;
        current = fresh;
        // The task's own writes went stale (someone changed its resource meanwhile): run it again.
        if (error.key !== current.key)
          return settle({
            retryAt: clock.now(),
            error: `concurrent change to ${error.key}`,
            attempts: current.data.attempts,
          });
        await settle(result);
      }
    }
  }

  const loop = (async () => {
    while (!stopping) {
      try {
        const job = await claimNext();
        if (job) {
          await execute(job);
          continue;
        }
      } catch (error) {
        onError(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    id,
    async stop() {
      stopping = true;
      wake?.();
      queue.wakeups.off('work', onWork);
      unwatch();
      await loop;
    },
  };
}
