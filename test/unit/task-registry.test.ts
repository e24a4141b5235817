/**
 * The job registry is one typed map, `TaskPayloads` (src/domain/task-payloads.ts), used by enqueue
 * and by the tasks. The compiler holds most of it: the test command type-checks this file, and each
 * `@ts-expect-error` below fails that check as soon as the mistake it marks compiles again. At run
 * time, a job's payload reaches its handler through the store exactly as it was enqueued.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { systemClock } from '../../src/core/clock.ts';
import type { FinishRunPayload } from '../../src/domain/image-templates/run-payloads.ts';
import { startOperation } from '../../src/domain/operations/operation.ts';
import type { TaskPayloads } from '../../src/domain/task-payloads.ts';
import { StoreJobQueue } from '../../src/jobs/store-job-queue.ts';
import type { TaskHandler, TaskHandlers } from '../../src/jobs/task.ts';
// Types only: the checks below judge Kiln's registry without loading the build pipeline.
import type { deleteBlobsTask } from '../../src/jobs/tasks/delete-blobs.ts';
import type { createTasks } from '../../src/jobs/tasks/index.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import { sqliteStorages } from '../support/metadata-storage.ts';

const storages = sqliteStorages('kiln-task-registry');

/** Never called: its body is what the type check judges. */
export function compileTimeChecks(
  jobs: JobQueue<TaskPayloads>,
  kilnTasks: ReturnType<typeof createTasks>,
  deleteBlobs: ReturnType<typeof deleteBlobsTask>,
): void {
  // Enqueue takes a known task with exactly its payload.
  jobs.enqueueWrite({ task: 'chunks.gc', payload: { region: 'eastus' }, maxAttempts: 100 });
  // @ts-expect-error: no task has this name (a typo of `blobs.delete`)
  jobs.enqueueWrite({ task: 'blob.delete', payload: { blobs: [] } });
  // @ts-expect-error: another task's payload
  jobs.enqueueWrite({ task: 'chunks.gc', payload: { blobs: [] } });
  // @ts-expect-error: a payload missing a field (`operation`)
  jobs.enqueueWrite({ task: 'imageTemplate.run', payload: { key: '/k', runId: 'r' } });

  // The registry has a handler for every task, each taking its own payload.
  const registry: TaskHandlers<TaskPayloads> = kilnTasks;
  const withoutGc = {} as Omit<TaskHandlers<TaskPayloads>, 'chunks.gc'>;
  // @ts-expect-error: a task without a handler
  const incomplete: TaskHandlers<TaskPayloads> = withoutGc;
  // @ts-expect-error: a handler for another task's payload
  const mismatched: TaskHandlers<TaskPayloads> = { ...registry, 'chunks.gc': deleteBlobs };
  // @ts-expect-error: a handler wanting more than its payload carries (a finished run's fields on a run job)
  const greedy: TaskHandlers<TaskPayloads> = { ...registry, 'imageTemplate.run': registry['imageTemplate.finishRun'] };

  // A handler gets its payload typed, no casts.
  const gc: TaskHandler<TaskPayloads['chunks.gc']> = {
    run: async (payload) => {
      const region: string = payload.region;
      // @ts-expect-error: not a field of this payload
      void payload.blobs;
      return region ? [] : [];
    },
    fail: async () => [],
  };
  void [incomplete, mismatched, greedy, gc];
}

it('a job reaches its handler with the payload it was enqueued with, as plain data', async () => {
  const store = await (await storages()).connect();
  after(() => store.close());
  type Finishing = Pick<TaskPayloads, 'imageTemplate.finishRun'>;
  const queue = new StoreJobQueue<Finishing>(systemClock, store);
  const payload: FinishRunPayload = {
    key: '/subscriptions/s/resourcegroups/g/providers/microsoft.virtualmachineimages/imagetemplates/t',
    runId: 'run-1',
    operation: startOperation(
      { subscription: 's', namespace: 'Microsoft.VirtualMachineImages', location: 'eastus', resourceId: '/t' },
      new Date(),
    ).data,
    started: [
      { output: { runOutputName: 'vhd', artifactUri: 'https://kiln/blob/x', provisioningState: 'Succeeded' } },
      { output: { runOutputName: 'img', provisioningState: 'Succeeded' }, waitFor: '/images/i' },
    ],
    image: { region: 'eastus', key: 'builds/run-1.vhd' },
    keepImage: true,
    work: '/work/run-1',
  };
  const received: FinishRunPayload[] = [];
  const worker = startWorker({
    store,
    queue,
    clock: systemClock,
    pollMs: 5,
    tasks: {
      'imageTemplate.finishRun': {
        run: async (got) => (received.push(got), []),
        fail: async () => assert.fail('the job must not fail'),
      },
    },
  });
  await store.apply([queue.enqueueWrite({ task: 'imageTemplate.finishRun', payload, maxAttempts: 3 })]);
  queue.nudge();
  for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await worker.stop();
  assert.deepEqual(received, [payload]);
});
