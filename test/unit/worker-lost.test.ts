// A job whose workers keep dying is not run forever: once its takeovers use up its attempts, it
// fails with WorkerLost and its task's fail handler records that.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { ArmErrorBody } from '../../src/core/arm-error.ts';
import { systemClock } from '../../src/core/clock.ts';
import { JOB_KIND, jobRecord } from '../../src/jobs/job-record.ts';
import { StoreJobQueue } from '../../src/jobs/store-job-queue.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { sqliteStorages } from '../support/metadata-storage.ts';

const storages = sqliteStorages('kiln-worker-lost');

it('fails a job taken over after its last allowed attempt died with its worker', async () => {
  const store = await (await storages()).connect();
  after(() => store.close());
  const queue = new StoreJobQueue<{ crashy: object }>(systemClock, store);
  // What a third crash leaves: attempt 3 of 3 claimed by a worker that is gone, its lease expired.
  await store.apply([
    {
      op: 'put',
      record: jobRecord({
        id: 'j1',
        task: 'crashy',
        payload: {},
        maxAttempts: 3,
        state: 'running',
        attempts: 3,
        runAfter: new Date(0).toISOString(),
        leaseOwner: 'worker-dead',
        leaseUntil: new Date(Date.now() - 1000).toISOString(),
      }),
    },
  ]);
  let ran = false;
  const failures: ArmErrorBody[] = [];
  const worker = startWorker({
    store,
    queue,
    clock: systemClock,
    pollMs: 5,
    tasks: {
      crashy: {
        run: async () => ((ran = true), []),
        fail: async (_payload, error) => (failures.push(error), []),
      },
    },
  });
  for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await worker.stop();
  assert.equal(ran, false, 'not run a fourth time');
  assert.equal(failures[0]?.code, 'WorkerLost');
  assert.match(failures[0].message, /stopped during each of its 3 attempts/);
  assert.deepEqual(await store.list({ kind: JOB_KIND, limit: 10 }), []);
});
