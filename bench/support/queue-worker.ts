/**
 * One process of the queue benchmark (bench/queue.bench.ts): `WORKERS` job workers of the engine
 * under `--src` (this tree's src/, or an older tree's, to measure before and after in one run) on a
 * PostgreSQL schema. It says `ready` on stdout once loaded, starts its workers on `go` from stdin,
 * and on `stop` stops them and prints one JSON line: every job it ran, with when it started and ended.
 *
 * Two tasks: `noop` returns at once; `small` does what a small real job does, writes 64 KiB to a file
 * with fsync and lands a result record atomically with its job's removal.
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const [src, url, schema, workDir, workers] = process.argv.slice(2);
const { openPostgresMetadataStore } = await import(resolve(src, 'adapters/postgres-metadata-store.ts'));
const { StoreJobQueue } = await import(resolve(src, 'jobs/store-job-queue.ts'));
const { startWorker } = await import(resolve(src, 'jobs/worker.ts'));

/** One job run, as the benchmark reads it (a type only: importing it runs nothing). */
export interface Ran {
  task: string;
  worker: number;
  enqueuedAt?: number;
  start: number;
  end: number;
}
const ran: Ran[] = [];
const clock = { now: () => new Date() };
const store = await openPostgresMetadataStore(url, { schema });
const queue = new StoreJobQueue(clock, store);
const payloadBytes = randomBytes(64 * 1024);

const tasksFor = (worker: number) => ({
  noop: {
    run: async (payload: { enqueuedAt?: number }) => {
      const start = Date.now();
      ran.push({ task: 'noop', worker, enqueuedAt: payload.enqueuedAt, start, end: Date.now() });
      return [];
    },
    fail: async () => [],
  },
  small: {
    run: async (payload: { n: number; enqueuedAt: number }, ctx: { jobId: string }) => {
      const start = Date.now();
      const path = join(workDir, `${ctx.jobId}.bin`);
      const file = await open(path, 'w');
      await file.write(payloadBytes);
      await file.sync();
      await file.close();
      await rm(path);
      ran.push({ task: 'small', worker, enqueuedAt: payload.enqueuedAt, start, end: Date.now() });
      const key = `/bench/results/${payload.n}`;
      const record = { key, kind: 'bench/results', subscription: '', resourceGroup: null, parent: null, data: payload };
      return [{ op: 'put', record, expect: { absent: true } }];
    },
    fail: async () => [],
  },
});

let running: Array<{ stop(): Promise<void> }> = [];
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    running = Array.from({ length: Number(workers) }, (_, i) =>
      startWorker({ store, queue, tasks: tasksFor(i), clock, onError: (e: unknown) => console.error(e) }),
    );
  } else if (line === 'stop') {
    await Promise.all(running.map((worker) => worker.stop()));
    await store.close();
    console.log(JSON.stringify(ran));
    break;
  }
}
