/**
 * The durable job engine (src/jobs/worker.ts) on both metadata store adapters: claiming the job due
 * longest (never starved by older jobs it cannot take), waking across connections, retries with backoff, permanent failures, cancel, timeout, lease takeover,
 * exclusive execution across workers and connections, progress reporting, and jobs bound to a node.
 *
 * Time is a fake clock the tests advance (backoff and lease expiry), except where two workers
 * race on real time; each test gets fresh, empty storage.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArmError, type ArmErrorBody } from '../../src/core/arm-error.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { JOB_KIND, jobKey, jobRecord, type JobData } from '../../src/jobs/job-record.ts';
import { StoreJobQueue } from '../../src/jobs/store-job-queue.ts';
import { postgresStorages, sqliteStorages, type StorageUnderTest } from '../support/metadata-storage.ts';
import { RunOnNode, type TaskContext, type TaskHandler, type TaskHandlers } from '../../src/jobs/task.ts';
import { startWorker, type Worker, type WorkerOptions } from '../../src/jobs/worker.ts';
import type { JobRequest } from '../../src/ports/job-queue.ts';
import {
  ExpectationFailedError,
  type MetadataStore,
  type NewRecord,
  type StoredRecord,
  type Write,
} from '../../src/ports/metadata-store.ts';

const FAST = { pollMs: 10, leaseMs: 300 } as const;

/** The engine is generic over its task map; these tests name their own tasks, each taking a plain object. */
type TestPayloads = Record<string, Record<string, unknown>>;
type TestHandler = TaskHandler<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

class FakeClock implements Clock {
  private time = Date.parse('2030-01-01T00:00:00.000Z');
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time += ms;
  }
  /** Moves forward to `time` (never back). */
  advanceTo(time: number): void {
    this.time = Math.max(this.time, time);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Awaits `promise`, failing the test instead of hanging when it never settles. */
async function within<T>(what: string, promise: Promise<T>, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

const RESULT_KIND = 'test/results';
const resultKey = (name: string) => `/results/${name}`;
const resultRecord = (name: string, data: unknown): NewRecord => ({
  key: resultKey(name),
  kind: RESULT_KIND,
  subscription: '',
  resourceGroup: null,
  parent: null,
  data,
});
/** A result write that can land at most once. */
const putResult = (name: string, data: unknown): Write => ({
  op: 'put',
  record: resultRecord(name, data),
  expect: { absent: true },
});

interface Tracked {
  handler: TestHandler;
  runs: { payload: Record<string, unknown>; attempt: number; jobId: string }[];
  fails: { payload: Record<string, unknown>; error: ArmErrorBody; attempt: number }[];
}

/** A task handler that records its calls; `fail` records the error as the job's result. */
function track(run: (payload: Record<string, unknown>, ctx: TaskContext) => Promise<Write[]>): Tracked {
  const tracked: Tracked = {
    runs: [],
    fails: [],
    handler: {
      async run(payload, ctx) {
        tracked.runs.push({ payload, attempt: ctx.attempt, jobId: ctx.jobId });
        return run(payload, ctx);
      },
      async fail(payload, error, ctx) {
        tracked.fails.push({ payload, error, attempt: ctx.attempt });
        return [putResult(String(payload.name), { failed: error })];
      },
    },
  };
  return tracked;
}

interface Harness {
  store: MetadataStore;
  clock: FakeClock;
  queue: StoreJobQueue<TestPayloads>;
  /** Rejected when the test ends, so a task left hanging by a failed assertion lets its worker stop. */
  teardown: AbortSignal;
  connect(): Promise<MetadataStore>;
  start(tasks: TaskHandlers<TestPayloads>, options?: Partial<WorkerOptions<TestPayloads>>): Worker;
  enqueue(request: JobRequest<TestPayloads>, alongside?: Write[]): Promise<StoredRecord<JobData>>;
  job(key: string): Promise<StoredRecord<JobData> | undefined>;
  gone(key: string): Promise<void>;
  errors: unknown[];
}

/** Resolves never; rejects with the abort reason when the attempt's signal (or the test) ends. */
function untilAborted(signal: AbortSignal, teardown: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    const abort = (source: AbortSignal) => () => reject(source.reason);
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', abort(signal), { once: true });
    teardown.addEventListener('abort', abort(teardown), { once: true });
  });
}

/** Sets cancelRequested on the job the way the API does: read, then write back under its etag. */
async function requestCancel(store: MetadataStore, key: string): Promise<void> {
  for (;;) {
    const job = await store.get<JobData>(key);
    assert.ok(job, `job ${key} exists`);
    try {
      await store.apply([
        { op: 'put', record: jobRecord({ ...job.data, cancelRequested: true }), expect: { etag: job.etag } },
      ]);
      return;
    } catch (error) {
      // A heartbeat renewed the lease in between: read again.
      if (!(error instanceof ExpectationFailedError)) throw error;
    }
  }
}

/** A store whose writes can be held, as if its process were frozen or cut off from the database. */
type Freezable = MetadataStore & { freeze(): void; thaw(): void };
function freezable(inner: MetadataStore, teardown: AbortSignal): Freezable {
  let gate: Deferred<void> | undefined;
  const store: Freezable = {
    get: (key) => inner.get(key),
    etag: (key) => inner.etag(key),
    list: (query) => inner.list(query),
    async apply(writes) {
      while (gate) await gate.promise;
      return inner.apply(writes);
    },
    async claimDue(claim) {
      while (gate) await gate.promise;
      return inner.claimDue(claim);
    },
    watchDue: (listener) => inner.watchDue(listener),
    close: () => inner.close(),
    freeze() {
      gate ??= deferred();
    },
    thaw() {
      const held = gate;
      gate = undefined;
      held?.resolve();
    },
  };
  teardown.addEventListener('abort', () => store.thaw());
  return store;
}

/**
 * A store whose calls take 0-2 ms before reaching `inner`, like I/O to a database. Without it a
 * synchronous adapter (better-sqlite3) runs a whole claim inside one turn of the event loop, and
 * two workers in one process would never race on a claim at all.
 */
function withLatency(inner: MetadataStore): MetadataStore {
  const lag = () => sleep(Math.random() * 2);
  return {
    get: async (key) => (await lag(), inner.get(key)),
    etag: async (key) => (await lag(), inner.etag(key)),
    list: async (query) => (await lag(), inner.list(query)),
    apply: async (writes) => (await lag(), inner.apply(writes)),
    claimDue: async (claim) => (await lag(), inner.claimDue(claim)),
    watchDue: (listener) => inner.watchDue(listener),
    close: () => inner.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

/** `wakesAcrossConnections`: the store tells other connections (processes) of due jobs (MetadataStore.watchDue). */
function describeWorkerSuite(
  name: string,
  createStorage: () => Promise<StorageUnderTest>,
  { wakesAcrossConnections }: { wakesAcrossConnections: boolean },
): void {
  describe(`job worker: ${name}`, () => {
    const stores: MetadataStore[] = [];
    const workers: Worker[] = [];
    let teardown = new AbortController();

    afterEach(async () => {
      teardown.abort(new Error('test ended'));
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await Promise.all(stores.splice(0).map((store) => store.close()));
      teardown = new AbortController();
    });

    async function harness(): Promise<Harness> {
      const storage = await createStorage();
      const connect = async () => {
        const store = await storage.connect();
        stores.push(store);
        return store;
      };
      const store = await connect();
      const clock = new FakeClock();
      const queue = new StoreJobQueue<TestPayloads>(clock);
      const errors: unknown[] = [];
      const h: Harness = {
        store,
        clock,
        queue,
        teardown: teardown.signal,
        errors,
        connect,
        start(tasks, options = {}) {
          const worker = startWorker({
            store,
            queue,
            tasks,
            clock,
            ...FAST,
            onError: (error) => errors.push(error),
            ...options,
          });
          workers.push(worker);
          return worker;
        },
        async enqueue(request, alongside = []) {
          const enqueue = queue.enqueueWrite(request);
          await store.apply([...alongside, enqueue]);
          queue.nudge();
          assert.equal(enqueue.op, 'put');
          return (await h.job(enqueue.record.key))!;
        },
        job: (key) => store.get<JobData>(key),
        async gone(key) {
          await waitFor(`job ${key} to finish`, async () => (await store.get(key)) === undefined);
        },
      };
      return h;
    }

    const stopWorker = async (worker: Worker) => {
      const index = workers.indexOf(worker);
      if (index >= 0) workers.splice(index, 1);
      await worker.stop();
    };

    it('runs an enqueued job once, lands its writes and removes the job', async () => {
      const h = await harness();
      const task = track(async (payload) => [
        {
          op: 'put',
          record: resultRecord(String(payload.name), { state: 'Succeeded', size: payload.size }),
          expect: { present: true },
        },
      ]);
      // The resource and the job that finishes it are one atomic batch.
      const job = await h.enqueue({ task: 'disk.fill', payload: { name: 'disk-1', size: 4 } }, [
        { op: 'put', record: resultRecord('disk-1', { state: 'Creating' }), expect: { absent: true } },
      ]);
      assert.equal(job.kind, JOB_KIND);
      assert.equal(job.key, jobKey(job.data.id));
      assert.equal(job.data.state, 'queued');
      assert.equal(job.data.attempts, 0);

      const worker = h.start({ 'disk.fill': task.handler });
      await h.gone(job.key);
      assert.deepEqual((await h.store.get(resultKey('disk-1')))?.data, { state: 'Succeeded', size: 4 });
      assert.deepEqual(task.runs, [{ payload: { name: 'disk-1', size: 4 }, attempt: 1, jobId: job.data.id }]);
      assert.deepEqual(task.fails, []);
      assert.deepEqual(await h.store.list({ kind: JOB_KIND, limit: 10 }), []);

      await sleep(100); // several more polls: nothing runs again
      assert.equal(task.runs.length, 1);
      await stopWorker(worker);
      assert.deepEqual(h.errors, []);
    });

    it('retries a task that throws a plain Error with exponential backoff, then lands its writes once', async () => {
      const h = await harness();
      const task = track(async (payload, ctx) => {
        if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        return [putResult(String(payload.name), { attempt: ctx.attempt })];
      });
      const worker = h.start({ flaky: task.handler });
      const job = await h.enqueue({ task: 'flaky', payload: { name: 'flaky' } });

      const delays: number[] = [];
      for (const attempt of [1, 2]) {
        const queued = await waitFor(`attempt ${attempt} to be requeued`, async () => {
          const current = await h.job(job.key);
          return current?.data.state === 'queued' && current.data.attempts === attempt && current;
        });
        assert.equal(queued.data.lastError, `flaky ${attempt}`);
        assert.equal(queued.data.leaseOwner, undefined);
        assert.equal(queued.data.leaseUntil, undefined);
        // The fake clock has not moved since the failure, so this is exactly the backoff chosen.
        const delay = Date.parse(queued.data.runAfter) - h.clock.now().getTime();
        delays.push(delay);
        await sleep(60); // polls while the backoff has not elapsed: no new attempt
        assert.equal(task.runs.length, attempt);
        h.clock.advance(delay);
        h.queue.nudge();
      }
      await h.gone(job.key);

      assert.deepEqual(
        task.runs.map((r) => r.attempt),
        [1, 2, 3],
      );
      assert.deepEqual(task.fails, []);
      assert.deepEqual((await h.store.get(resultKey('flaky')))?.data, { attempt: 3 });
      // backoffMs: 1 s then 2 s, each with +-25 % jitter.
      assert.ok(delays[0] >= 750 && delays[0] <= 1250, `first backoff ${delays[0]} ms`);
      assert.ok(delays[1] >= 1500 && delays[1] <= 2500, `second backoff ${delays[1]} ms`);
      await stopWorker(worker);
      assert.deepEqual(h.errors, []);
    });

    it('does not retry an ArmError: fail is called once with its body', async () => {
      const h = await harness();
      const task = track(async () => {
        throw new ArmError(409, 'DiskInUse', 'The disk is attached to a VM.', 'diskName');
      });
      const worker = h.start({ attach: task.handler });
      const job = await h.enqueue({ task: 'attach', payload: { name: 'arm' }, maxAttempts: 5 });
      await h.gone(job.key);

      const body = { code: 'DiskInUse', message: 'The disk is attached to a VM.', target: 'diskName' };
      assert.equal(task.runs.length, 1);
      assert.deepEqual(task.fails, [{ payload: { name: 'arm' }, error: body, attempt: 1 }]);
      assert.deepEqual((await h.store.get(resultKey('arm')))?.data, { failed: body });
      h.clock.advance(120_000); // any backoff would have elapsed by now
      h.queue.nudge();
      await sleep(100);
      assert.equal(task.runs.length, 1);
      await stopWorker(worker);
    });

    /** Advances the clock to each retry's runAfter until the job is gone. */
    async function driveRetries(h: Harness, key: string): Promise<void> {
      await waitFor(`job ${key} to finish`, async () => {
        const current = await h.job(key);
        if (!current) return true;
        if (current.data.state === 'queued') {
          h.clock.advanceTo(Date.parse(current.data.runAfter));
          h.queue.nudge();
        }
        return false;
      });
    }

    it('calls fail with InternalOperationError after maxAttempts (default 5) plain failures', async () => {
      const h = await harness();
      const task = track(async (_payload, ctx) => {
        throw new Error(`still broken on attempt ${ctx.attempt}`);
      });
      const worker = h.start({ broken: task.handler });
      const job = await h.enqueue({ task: 'broken', payload: { name: 'broken' } });
      await driveRetries(h, job.key);

      const body = { code: 'InternalOperationError', message: 'still broken on attempt 5' };
      assert.deepEqual(
        task.runs.map((r) => r.attempt),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(task.fails, [{ payload: { name: 'broken' }, error: body, attempt: 5 }]);
      assert.deepEqual((await h.store.get(resultKey('broken')))?.data, { failed: body });

      // A job's own maxAttempts overrides the default.
      const short = await h.enqueue({ task: 'broken', payload: { name: 'short' }, maxAttempts: 2 });
      await driveRetries(h, short.key);
      assert.deepEqual(
        task.runs.slice(5).map((r) => r.attempt),
        [1, 2],
      );
      assert.deepEqual(task.fails[1], {
        payload: { name: 'short' },
        error: { code: 'InternalOperationError', message: 'still broken on attempt 2' },
        attempt: 2,
      });
      await stopWorker(worker);
    });

    it('cancels a running job: the task sees its signal aborted and fail gets OperationCanceled', async () => {
      const h = await harness();
      const started = deferred<TaskContext>();
      let seen: { aborted: boolean; reason: unknown } | undefined;
      const task = track(async (_payload, ctx) => {
        started.resolve(ctx);
        try {
          return await untilAborted(ctx.signal, h.teardown);
        } finally {
          seen = { aborted: ctx.signal.aborted, reason: ctx.signal.reason };
        }
      });
      const worker = h.start({ slow: task.handler });
      const job = await h.enqueue({ task: 'slow', payload: { name: 'canceled' } });
      await within('the task to start', started.promise);
      assert.equal((await h.job(job.key))?.data.state, 'running');

      await requestCancel(h.store, job.key);
      await h.gone(job.key);

      assert.equal(seen?.aborted, true);
      assert.ok(seen.reason instanceof ArmError && seen.reason.code === 'OperationCanceled', String(seen.reason));
      assert.equal(task.runs.length, 1);
      assert.equal(task.fails.length, 1);
      assert.equal(task.fails[0].error.code, 'OperationCanceled');
      assert.deepEqual((await h.store.get(resultKey('canceled')))?.data, { failed: task.fails[0].error });
      await stopWorker(worker);
    });

    it('sees a cancel request long before the next lease renewal', async () => {
      const h = await harness();
      const started = deferred<TaskContext>();
      const task = track(async (_payload, ctx) => {
        started.resolve(ctx);
        return untilAborted(ctx.signal, h.teardown);
      });
      // A lease of a minute renews every 20 s; the cancel must not wait for that.
      const worker = h.start({ slow: task.handler }, { leaseMs: 60_000 });
      const job = await h.enqueue({ task: 'slow', payload: { name: 'canceled-soon' } });
      await within('the task to start', started.promise);
      await requestCancel(h.store, job.key);
      await within('the canceled job to end', h.gone(job.key), 5_000);
      assert.equal(task.fails[0]?.error.code, 'OperationCanceled');
      await stopWorker(worker);
    });

    it('fails a job canceled while still queued without running it', async () => {
      const h = await harness();
      const task = track(async () => []);
      const job = await h.enqueue({ task: 'slow', payload: { name: 'never' } });
      await requestCancel(h.store, job.key);
      const worker = h.start({ slow: task.handler });
      await h.gone(job.key);
      assert.equal(task.runs.length, 0);
      assert.deepEqual(
        task.fails.map((f) => f.error.code),
        ['OperationCanceled'],
      );
      await stopWorker(worker);
    });

    it('aborts an attempt that outlives timeoutMs and fails it with OperationTimedOut', async () => {
      const h = await harness();
      let aborted = false;
      const task = track(async (_payload, ctx) => {
        try {
          return await untilAborted(ctx.signal, h.teardown);
        } finally {
          aborted = ctx.signal.aborted;
        }
      });
      const worker = h.start({ slow: task.handler });
      const begun = Date.now();
      const job = await h.enqueue({ task: 'slow', payload: { name: 'timed-out' }, timeoutMs: 150 });
      await h.gone(job.key);

      assert.ok(Date.now() - begun >= 140, 'not before the timeout');
      assert.equal(aborted, true);
      assert.equal(task.runs.length, 1, 'a timeout is final, not retried');
      assert.equal(task.fails.length, 1);
      assert.equal(task.fails[0].error.code, 'OperationTimedOut');
      await stopWorker(worker);
    });

    it('takes over a job whose worker died once its lease expires, as a new attempt', async () => {
      const h = await harness();
      const now = h.clock.now().getTime();
      // What a crashed process leaves behind: a running job leased to a worker that is gone.
      const orphan: JobData = {
        id: 'orphan-1',
        task: 'copy',
        payload: { name: 'orphan' },
        state: 'running',
        attempts: 1,
        runAfter: new Date(now - 60_000).toISOString(),
        leaseOwner: 'worker-dead',
        leaseUntil: new Date(now + 5_000).toISOString(),
      };
      await h.store.apply([{ op: 'put', record: jobRecord(orphan), expect: { absent: true } }]);

      const release = deferred();
      const running = deferred<TaskContext>();
      const task = track(async (payload, ctx) => {
        running.resolve(ctx);
        await Promise.race([release.promise, untilAborted(ctx.signal, h.teardown)]);
        return [putResult(String(payload.name), { attempt: ctx.attempt })];
      });
      const worker = h.start({ copy: task.handler });

      await sleep(150); // many polls while the dead worker's lease is still valid: left alone
      assert.equal(task.runs.length, 0);
      assert.equal((await h.job(jobKey('orphan-1')))?.data.leaseOwner, 'worker-dead');

      h.clock.advance(5_001);
      h.queue.nudge();
      const ctx = await within('worker B to take the job over', running.promise);
      assert.equal(ctx.attempt, 2);
      const claimed = (await h.job(jobKey('orphan-1')))!;
      assert.equal(claimed.data.state, 'running');
      assert.equal(claimed.data.leaseOwner, worker.id);
      assert.equal(claimed.data.attempts, 2);
      assert.ok(Date.parse(claimed.data.leaseUntil!) > h.clock.now().getTime());

      release.resolve();
      await h.gone(jobKey('orphan-1'));
      assert.deepEqual((await h.store.get(resultKey('orphan')))?.data, { attempt: 2 });
      assert.deepEqual(
        task.runs.map((r) => r.attempt),
        [2],
      );
      assert.deepEqual(task.fails, []);
      await stopWorker(worker);
    });

    it('a worker that lost its lease to another cannot record its result', async () => {
      const h = await harness();
      const storeA = freezable(h.store, h.teardown);
      const releaseA = deferred();
      const aStarted = deferred();
      // Worker A's task ignores its signal (a wedged attempt) until released.
      const taskA = track(async (payload, ctx) => {
        aStarted.resolve();
        await Promise.race([releaseA.promise, new Promise((resolve) => h.teardown.addEventListener('abort', resolve))]);
        return [putResult(`${payload.name}-by-a`, { attempt: ctx.attempt })];
      });
      const taskB = track(async (payload, ctx) => [putResult(`${payload.name}-by-b`, { attempt: ctx.attempt })]);

      const a = h.start({ copy: taskA.handler }, { store: storeA });
      const job = await h.enqueue({ task: 'copy', payload: { name: 'wedged' } });
      await within('worker A to start the task', aStarted.promise);
      assert.equal((await h.job(job.key))?.data.leaseOwner, a.id);

      // A stops reaching the store (its heartbeats hang); its lease runs out.
      storeA.freeze();
      const b = h.start({ copy: taskB.handler });
      h.clock.advance(FAST.leaseMs + 1);
      h.queue.nudge();
      await h.gone(job.key);
      assert.deepEqual(
        taskB.runs.map((r) => r.attempt),
        [2],
      );
      assert.deepEqual((await h.store.get(resultKey('wedged-by-b')))?.data, { attempt: 2 });

      // A comes back and its task finishes: its writes must not land.
      storeA.thaw();
      releaseA.resolve();
      await stopWorker(a);
      assert.equal(await h.store.get(resultKey('wedged-by-a')), undefined);
      assert.deepEqual(taskA.fails, []);
      assert.deepEqual(taskB.fails, []);
      await stopWorker(b);
    });

    it('a fail handler that throws stops the heartbeat, so the lease lapses and the job is tried again', async () => {
      const h = await harness();
      let failCalls = 0;
      const task: TestHandler = {
        async run() {
          throw new ArmError(400, 'BadSource', 'The source is unreadable.');
        },
        async fail(payload, error) {
          if (++failCalls === 1) throw new Error('store hiccup while recording the failure');
          return [putResult(String(payload.name), { failed: error })];
        },
      };
      const worker = h.start({ copy: task });
      const job = await h.enqueue({ task: 'copy', payload: { name: 'hiccup' } });
      await waitFor('the fail handler to throw', async () => h.errors.length > 0);
      assert.match(String(h.errors[0]), /store hiccup/);

      // The job is left running under a lease that nobody renews any more (heartbeat every 100 ms).
      const left = (await h.job(job.key))!;
      assert.equal(left.data.state, 'running');
      await sleep(350);
      assert.equal((await h.job(job.key))?.etag, left.etag, 'no heartbeat renews the lease of a finished attempt');

      h.clock.advance(FAST.leaseMs + 1);
      h.queue.nudge();
      await h.gone(job.key);
      assert.equal(failCalls, 2);
      assert.deepEqual((await h.store.get(resultKey('hiccup')))?.data, {
        failed: { code: 'BadSource', message: 'The source is unreadable.' },
      });
      await stopWorker(worker);
    });

    for (const separate of [false, true]) {
      const how = separate ? 'two connections (two processes)' : 'one shared store';
      it(`two workers on ${how} run each of 30 jobs exactly once, never concurrently`, async () => {
        const h = await harness();
        const storeB = separate ? await h.connect() : h.store;
        const queueA = new StoreJobQueue<TestPayloads>(systemClock);
        const queueB = separate ? new StoreJobQueue<TestPayloads>(systemClock) : queueA;
        const running = new Map<number, number>();
        const runs = new Map<number, number>();
        const overlaps: number[] = [];
        const ranBy = { a: 0, b: 0 };
        const failures: string[] = [];
        const handler = (worker: 'a' | 'b'): TestHandler => ({
          async run(payload) {
            const n = payload.n as number;
            running.set(n, (running.get(n) ?? 0) + 1);
            if (running.get(n)! > 1) overlaps.push(n);
            runs.set(n, (runs.get(n) ?? 0) + 1);
            ranBy[worker]++;
            await sleep(5 + Math.random() * 15);
            running.set(n, running.get(n)! - 1);
            return [putResult(`job-${n}`, { n })];
          },
          async fail(payload, error) {
            failures.push(`job ${payload.n}: ${error.code} ${error.message}`);
            return [];
          },
        });
        // Real time here: leases are renewed by real heartbeats while both workers race.
        const common = { clock: systemClock, pollMs: 10, leaseMs: 2_000 };
        const a = h.start({ count: handler('a') }, { ...common, queue: queueA, store: withLatency(h.store) });
        const b = h.start({ count: handler('b') }, { ...common, queue: queueB, store: withLatency(storeB) });

        await h.store.apply(
          Array.from({ length: 30 }, (_, n) => queueA.enqueueWrite({ task: 'count', payload: { n } })),
        );
        queueA.nudge();
        await waitFor(
          'all jobs to finish',
          async () => (await h.store.list({ kind: JOB_KIND, limit: 100 })).length === 0,
          30_000,
        );
        await sleep(100);
        await Promise.all([stopWorker(a), stopWorker(b)]);

        assert.deepEqual(overlaps, []);
        assert.deepEqual(failures, []);
        for (let n = 0; n < 30; n++) assert.equal(runs.get(n), 1, `job ${n} ran ${runs.get(n) ?? 0} times`);
        assert.equal(ranBy.a + ranBy.b, 30);
        assert.ok(ranBy.a > 0 && ranBy.b > 0, `both workers took jobs (a ${ranBy.a}, b ${ranBy.b})`);
        const results = await h.store.list<{ n: number }>({ kind: RESULT_KIND, limit: 100 });
        assert.deepEqual(
          results.map((r) => r.data.n).sort((x, y) => x - y),
          Array.from({ length: 30 }, (_, n) => n),
        );
        assert.deepEqual(h.errors, []);
      });
    }

    it('runs a new job behind 1,200 older ones it cannot claim (leased, waiting to retry, tasks it lacks)', async () => {
      const h = await harness();
      const now = h.clock.now().getTime();
      const old = (n: number, data: Partial<JobData>): Write => ({
        op: 'put',
        record: jobRecord({
          id: `old-${n}`,
          task: 'convert',
          payload: {},
          state: 'queued',
          attempts: 0,
          runAfter: new Date(now - 60_000).toISOString(),
          ...data,
        }),
      });
      const blockers = Array.from({ length: 1200 }, (_, n) =>
        n % 3 === 0
          ? old(n, { state: 'running', leaseOwner: 'worker-alive', leaseUntil: new Date(now + 60_000).toISOString() })
          : n % 3 === 1
            ? old(n, { runAfter: new Date(now + 60_000).toISOString(), lastError: 'waiting on another job' })
            : old(n, { task: 'unknown.task' }),
      );
      for (let i = 0; i < blockers.length; i += 200) await h.store.apply(blockers.slice(i, i + 200));
      const task = track(async (payload) => [putResult(String(payload.name), 'done')]);
      h.start({ convert: task.handler });
      const job = await h.enqueue({ task: 'convert', payload: { name: 'newest' } });
      await h.gone(job.key);
      assert.equal((await h.store.get(resultKey('newest')))?.data, 'done');
      assert.equal(task.runs.length, 1, 'no blocker ran');
      assert.deepEqual(h.errors, []);
    });

    if (wakesAcrossConnections)
      it('wakes at once for a job enqueued through another connection (another process), not at its poll', async () => {
        const h = await harness();
        const elsewhere = await h.connect();
        const task = track(async (payload) => [putResult(String(payload.name), 'done')]);
        // A poll far longer than the test waits: only the store's wake-up can start the job in time.
        h.start({ convert: task.handler }, { pollMs: 60_000 });
        await sleep(300); // the worker's first look finds nothing and it sleeps
        const enqueue = new StoreJobQueue<TestPayloads>(systemClock).enqueueWrite({
          task: 'convert',
          payload: { name: 'woken' },
        });
        await elsewhere.apply([enqueue]);
        await waitFor('the job to run', async () => (await h.store.get(resultKey('woken')))?.data === 'done', 5_000);
      });

    it('makes progress visible on the job record while the task runs', async () => {
      const h = await harness();
      const reported = deferred();
      const release = deferred();
      const task = track(async (payload, ctx) => {
        await ctx.progress(50, 'half');
        reported.resolve();
        await Promise.race([release.promise, untilAborted(ctx.signal, h.teardown)]);
        return [putResult(String(payload.name), 'done')];
      });
      const worker = h.start({ convert: task.handler });
      const job = await h.enqueue({ task: 'convert', payload: { name: 'progress' } });
      await within('the task to report progress', reported.promise);

      const current = (await h.job(job.key))!;
      assert.equal(current.data.state, 'running');
      assert.equal(current.data.leaseOwner, worker.id);
      assert.deepEqual(current.data.progress, { percent: 50, detail: 'half' });
      await sleep(150); // heartbeats keep it while renewing the lease
      assert.deepEqual((await h.job(job.key))?.data.progress, { percent: 50, detail: 'half' });

      release.resolve();
      await h.gone(job.key);
      assert.equal((await h.store.get(resultKey('progress')))?.data, 'done');
      await stopWorker(worker);
      assert.deepEqual(h.errors, []);
    });

    it("runs a node's job only on that node, and moves a job to the node its task names", async () => {
      const h = await harness();
      const runs: string[] = [];
      const on = (node: string) =>
        track(async (payload) => {
          runs.push(`${String(payload.name)} on ${node}`);
          if (payload.on !== node) throw new RunOnNode(String(payload.on));
          return [putResult(String(payload.name), { node })];
        });
      const a = on('a');
      h.start({ vm: a.handler }, { node: 'a' });
      // Any node claims a job of no node; its task sends it to b, where nobody runs it yet.
      const moved = await h.enqueue({ task: 'vm', payload: { name: 'moved', on: 'b' } });
      const waiting = await waitFor("the job in b's lane", async () => {
        const job = await h.job(moved.key);
        return job?.data.node === 'b' && job.data.state === 'queued' ? job : undefined;
      });
      assert.equal(waiting.due?.lane, 'vm@b');
      assert.equal(waiting.data.attempts, 0, 'a move is no attempt');
      // A job of node b is never claimed by a.
      const bound = await h.enqueue({ task: 'vm', node: 'b', payload: { name: 'bound', on: 'b' } });
      await sleep(100);
      assert.deepEqual(runs, ['moved on a']);
      assert.equal((await h.job(bound.key))?.data.attempts, 0);

      const b = on('b');
      h.start({ vm: b.handler }, { node: 'b' });
      await h.gone(moved.key);
      await h.gone(bound.key);
      assert.deepEqual((await h.store.get(resultKey('moved')))?.data, { node: 'b' });
      assert.deepEqual((await h.store.get(resultKey('bound')))?.data, { node: 'b' });
      assert.deepEqual(b.runs.map((run) => [run.payload.name, run.attempt]).sort(), [
        ['bound', 1],
        ['moved', 1],
      ]);
      assert.deepEqual(h.errors, []);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Adapters
// ---------------------------------------------------------------------------------------------

// A SQLite file has one writer, `kiln serve`, whose own enqueues wake its workers; other processes poll.
describeWorkerSuite('sqlite', sqliteStorages('kiln-job-worker'), { wakesAcrossConnections: false });
describeWorkerSuite('postgres', postgresStorages('kiln_worker'), { wakesAcrossConnections: true });
