// A run whose worker died in each of its attempts ends Failed (WorkerLost), and what those attempts
// logged stays readable through customizationLog, with how the run ended, instead of a 404.
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { bootstrapBusybox } from '../../src/app/busybox-base.ts';
import { startWorkers, workRoot } from '../../src/app/workers.ts';
import type { RunPayload } from '../../src/domain/image-templates/run-payloads.ts';
import { liveLogPrefix, segmentKey } from '../../src/domain/image-templates/run/live-log.ts';
import { JOB_KIND, jobRecord, type JobData } from '../../src/jobs/job-record.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer | undefined;
after(() => kiln?.stop());

it('ends a run whose attempts all died as Failed, keeping their log readable', async () => {
  // No worker yet: the run's job waits in the queue until the test has played three dead attempts.
  kiln = await startTestServer({ workers: 0 });
  await bootstrapBusybox(kiln.server.kiln, { sizeMiB: 48 });
  const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  await resources.resourceGroups.createOrUpdate('images', { location: 'westus' });
  await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait('images', 'doomed', {
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
    customize: [{ type: 'Shell', name: 'motd', inline: ['true'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  });
  const poller = await builder.virtualMachineImageTemplates.beginRun('images', 'doomed');

  const store = kiln.server.kiln.store;
  const [job] = (await store.list<JobData>({ kind: JOB_KIND, limit: 100 })).filter(
    (j) => j.data.task === 'imageTemplate.run',
  );
  const { runId } = job.data.payload as RunPayload;
  // As three workers that each claimed the run and died would leave it: attempts spent, lease run out, a log begun.
  await store.apply([
    {
      op: 'put',
      record: jobRecord({
        ...job.data,
        state: 'running',
        attempts: 3,
        leaseOwner: 'worker-dead',
        leaseUntil: new Date(0).toISOString(),
      }),
      expect: { etag: job.etag },
    },
  ]);
  // What the last of them flushed to the live log, and the work folder it left on this node.
  await kiln.server.kiln.domain.regions
    .get('westus')!
    .put(
      segmentKey(runId, 0),
      Buffer.from(`${new Date().toISOString()} [motd] written by an attempt whose worker died\n`),
    );
  const work = join(workRoot(kiln.dataDir), runId);
  await mkdir(work, { recursive: true });

  const workers = startWorkers(kiln.server.kiln, { dataDir: kiln.dataDir, workers: 1, pollMs: 50 });
  try {
    await assert.rejects(poller.pollUntilDone(), /WorkerLost|stopped during each of its 3 attempts/);
    const status = (await builder.virtualMachineImageTemplates.get('images', 'doomed')).lastRunStatus;
    assert.equal(status?.runState, 'Failed');
    assert.match(status?.message ?? '', /stopped during each of its 3 attempts/);
    const log = await readCustomizationLog(
      kiln,
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/images/providers/Microsoft.VirtualMachineImages/imageTemplates/doomed`,
    );
    assert.equal(log.complete, true);
    assert.match(log.text, /\[motd\] written by an attempt whose worker died/);
    assert.match(log.text, /Run ended: The worker running this operation stopped during each of its 3 attempts/);
    assert.equal(existsSync(work), false, 'the working files are gone');
    // The live log's segments go once the log is sealed (a job of their own).
    const store = kiln.server.kiln.domain.regions.get('westus')!;
    for (let i = 0; i < 100 && (await store.list(liveLogPrefix(runId))).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await store.list(liveLogPrefix(runId)), [], 'the live segments are gone');
  } finally {
    await workers.stop();
  }
});
