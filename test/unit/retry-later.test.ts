// RetryLater: a task waiting on other work is tried again later without spending its attempts,
// and the worker is free for other jobs meanwhile.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { systemClock } from '../../src/core/clock.ts';
import { JOB_KIND } from '../../src/jobs/job-record.ts';
import { StoreJobQueue } from '../../src/jobs/store-job-queue.ts';
import { RetryLater, type TaskHandlers } from '../../src/jobs/task.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { sqliteStorages } from '../support/metadata-storage.ts';

const storages = sqliteStorages('kiln-retry-later');

it('waits without spending attempts or holding the worker', async () => {
  const store = await (await storages()).connect();
  after(() => store.close());
  const queue = new StoreJobQueue<{ waiter: object; other: object }>(systemClock, store);
  let checks = 0;
  const ran: string[] = [];
  const tasks: TaskHandlers<{ waiter: object; other: object }> = {
    waiter: {
      async run() {
        checks++;
        if (checks < 8) throw new RetryLater(20, 'not yet');
        ran.push('waiter');
        return [];
      },
      fail: async () => assert.fail('a waiting job must not fail'),
    },
    other: {
      async run() {
        ran.push('other');
        return [];
      },
      fail: async () => [],
    },
  };
  // One attempt allowed: RetryLater must not count, or the job would fail after its first wait.
  await store.apply([queue.enqueueWrite({ task: 'waiter', payload: {}, maxAttempts: 1 })]);
  const events: string[] = [];
  const worker = startWorker({
    store,
    queue,
    tasks,
    clock: systemClock,
    pollMs: 5,
    leaseMs: 1000,
    onEvent: ({ event, task }) => events.push(`${task} ${event}`),
  });
  await new Promise((resolve) => setTimeout(resolve, 30));
  await store.apply([queue.enqueueWrite({ task: 'other', payload: {} })]);
  for (let i = 0; i < 200 && ran.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await worker.stop();
  assert.deepEqual(ran, ['other', 'waiter'], 'the other job ran while the waiter waited');
  assert.equal(checks, 8);
  assert.deepEqual(await store.list({ kind: JOB_KIND, limit: 10 }), []);
  // Waiting is told apart from a failed attempt's retry, for operators and metrics.
  assert.equal(events.filter((e) => e === 'waiter waiting').length, 7);
  assert.deepEqual(
    events.filter((e) => !e.endsWith('claimed') && e !== 'waiter waiting'),
    ['other finished', 'waiter finished'],
  );
});
