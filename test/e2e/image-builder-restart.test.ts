// Image Builder runs against `kiln serve` as its own process: a server killed with SIGKILL in the
// middle of a run resumes it after a restart (from scratch, on the run job's next attempt) instead
// of leaving the template Running forever; and a run that outlasts buildTimeoutInMinutes ends
// Failed with a reason. Neither leaves a staging resource group, working files or sandbox behind.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { withDiskImage } from '../support/disk-inspection.ts';
import {
  clientsFor,
  dataDirWithTestCa,
  killKiln,
  startKilnProcess,
  type KilnProcess,
} from '../support/kiln-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rg = 'build';

/** Polls `probe` every `everyMs` until it returns something other than undefined, or fails after `withinMs`. */
async function waitFor<T>(
  what: string,
  withinMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Processes (other than the server) whose command line names the data folder's `work/`: sandboxes left running. */
async function processesUsing(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.includes(path)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

describe('image builder runs across a kill -9 and a timeout', () => {
  let baseVhd: Buffer;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kiln-e2e-build-restart-'));
    // A real base disk (dos partition table, ext4 root with busybox), as a fixed VHD.
    await makeBusyboxBaseImage(join(scratch, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(scratch, 'base.raw'), join(scratch, 'base.vhd'));
    baseVhd = await readFile(join(scratch, 'base.vhd'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** A fresh data folder, a child `kiln serve` on it, a resource group and a managed image of the base disk. */
  async function setUp(prefix: string) {
    const dataDir = await dataDirWithTestCa(prefix);
    const env = {
      dataDir,
      /** 0 until the first start; restarts keep it, so the clients' URL stays valid. */
      port: 0,
      server: undefined as KilnProcess | undefined,
      url: '',
      subscriptionId: '',
      credential: undefined as unknown as TokenCredential,
      builder: undefined as unknown as ImageBuilderClient,
      resources: undefined as unknown as ResourceManagementClient,
      imageId: '',
      async start() {
        env.server = await startKilnProcess(dataDir, env.port);
        env.port = env.server.port;
      },
      async dispose() {
        if (env.server) await killKiln(env.server);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    try {
      await env.start();
      const clients = await clientsFor(dataDir, env.server!.url);
      Object.assign(env, clients);
      env.builder = new ImageBuilderClient(clients.credential, clients.subscriptionId, { endpoint: clients.url });
      env.resources = new ResourceManagementClient(clients.credential, clients.subscriptionId, {
        endpoint: clients.url,
      });
      const compute = new ComputeManagementClient(clients.credential, clients.subscriptionId, {
        endpoint: clients.url,
      });
      await env.resources.resourceGroups.createOrUpdate(rg, { location: 'westus' });
      const blobUri = await putRegionBlob(clients, 'westus', 'vhds/busybox.vhd', baseVhd);
      env.imageId = (
        await compute.images.createOrUpdate(rg, 'busybox', {
          location: 'westus',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
        })
      ).id!;
    } catch (error) {
      await env.dispose();
      throw error;
    }
    return env;
  }

  const template = (imageId: string, overrides: Partial<ImageTemplate>): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'ManagedImage', imageId },
    customize: [],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    ...overrides,
  });

  async function stagingGroups(resources: ResourceManagementClient): Promise<string[]> {
    const groups: string[] = [];
    for await (const group of resources.resourceGroups.list()) groups.push(group.name!);
    return groups.filter((g) => g.startsWith('IT_'));
  }

  it('resumes a run after the server was killed in the middle of a customizer, and leaves nothing behind', async (t) => {
    const env = await setUp('kiln-build-kill-');
    try {
      const { builder } = env;
      await builder.virtualMachineImageTemplates.createOrUpdate(
        rg,
        'app',
        template(env.imageId, {
          // Each attempt starts from the source image again, so a resumed run's image holds one line.
          customize: [
            {
              type: 'Shell',
              name: 'slow-step',
              inline: ['echo attempt >> /etc/kiln-attempts', 'sleep 4', 'echo finished > /etc/kiln-finished'],
            },
          ],
        }),
      );
      const poller = builder.virtualMachineImageTemplates.run(rg, 'app');
      await poller.submitted();
      await waitFor(
        'the run to reach Customizing',
        60_000,
        async () =>
          (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus?.runSubState === 'Customizing'
            ? true
            : undefined,
        50,
      );
      // Let the sandboxed `sleep 4` get going, then kill the server under it.
      await sleep(1000);
      assert.equal((await stagingGroups(env.resources)).length, 1, 'the run has its staging group');
      await killKiln(env.server!);
      const killedAt = Date.now();
      // The kernel delivers bubblewrap's parent-death signal right away; give it a moment to act.
      const orphans = await waitFor(
        'the sandbox to die with the server',
        3000,
        async () => {
          const left = await processesUsing(join(env.dataDir, 'work'));
          return left.length === 0 ? left : undefined;
        },
        50,
      ).catch(async () => processesUsing(join(env.dataDir, 'work')));
      assert.deepEqual(orphans, [], 'the sandbox died with the server (--die-with-parent)');

      await env.start();
      const restartedAt = Date.now();
      const status = (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus;
      assert.equal(status?.runState, 'Running', 'the kill interrupted the run');

      const final = await waitFor('the run to end', 60_000, async () => {
        const s = (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus;
        return s?.runState && !['Running', 'Canceling'].includes(s.runState) ? s : undefined;
      });
      t.diagnostic(
        `run ended ${final.runState} ${Date.now() - restartedAt} ms after the restart (${Date.now() - killedAt} ms after the kill)`,
      );
      // The requirement lets a killed run either resume or fail with a reason. One kill uses one of
      // the run job's three attempts, and nothing about the run is broken, so resuming is what must
      // happen here: a Failed run would throw away a good build (and its message would say why).
      assert.equal(
        final.runState,
        'Succeeded',
        `the run resumed and succeeded; instead: ${final.runState}: ${final.message}`,
      );
      // The client that started the run before the kill sees its long-running operation finish.
      await poller;

      const output = await builder.virtualMachineImageTemplates.getRunOutput(rg, 'app', 'vhd');
      assert.equal(output.provisioningState, 'Succeeded');
      const token = (await env.credential.getToken('https://storage.azure.com/.default'))!.token;
      const response = await fetch(output.artifactUri!, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200, `the VHD run output ${output.artifactUri} exists`);
      const vhd = join(scratch, 'resumed.vhd');
      await pipeline(response.body!, createWriteStream(vhd));
      assert.equal((await stat(vhd)).size % (1024 * 1024), 512, 'a fixed VHD, 1 MiB aligned');
      try {
        await withDiskImage(vhd, async ({ rootfs }) => {
          assert.equal(
            await readFile(join(rootfs, 'etc/kiln-attempts'), 'utf8'),
            'attempt\n',
            'the resumed run started again from the source image',
          );
          assert.equal(await readFile(join(rootfs, 'etc/kiln-finished'), 'utf8'), 'finished\n');
        });
      } finally {
        await rm(vhd, { force: true });
      }

      assert.deepEqual(await stagingGroups(env.resources), [], 'the staging resource group is gone');
      assert.deepEqual(await readdir(join(env.dataDir, 'work')).catch(() => []), [], 'no working files left');
      assert.deepEqual(await processesUsing(join(env.dataDir, 'work')), [], 'no sandbox left running');
    } finally {
      await env.dispose();
    }
  });

  it('fails a run that outlasts buildTimeoutInMinutes, saying so, and leaves nothing behind', async (t) => {
    const env = await setUp('kiln-build-timeout-');
    try {
      const { builder } = env;
      await builder.virtualMachineImageTemplates.createOrUpdate(
        rg,
        'slow',
        template(env.imageId, {
          buildTimeoutInMinutes: 1,
          customize: [{ type: 'Shell', name: 'too-slow', inline: ['sleep 120'] }],
        }),
      );
      const started = Date.now();
      const poller = builder.virtualMachineImageTemplates.run(rg, 'slow');
      await poller.submitted();
      await waitFor('the run to reach Customizing', 60_000, async () =>
        (await builder.virtualMachineImageTemplates.get(rg, 'slow')).lastRunStatus?.runSubState === 'Customizing'
          ? true
          : undefined,
      );
      assert.equal((await stagingGroups(env.resources)).length, 1, 'the run has its staging group');

      const final = await waitFor(
        'the run to end',
        80_000,
        async () => {
          const s = (await builder.virtualMachineImageTemplates.get(rg, 'slow')).lastRunStatus;
          return s?.runState && !['Running', 'Canceling'].includes(s.runState) ? s : undefined;
        },
        250,
      );
      const elapsed = Date.now() - started;
      t.diagnostic(`run ended ${final.runState} after ${elapsed} ms: ${final.message}`);
      assert.equal(final.runState, 'Failed', final.message);
      assert.match(final.message ?? '', /did not finish within its timeout of 1 minutes?\b/);
      assert.ok(elapsed >= 59_000, `it ran until its timeout (${elapsed} ms)`);
      assert.ok(elapsed < 70_000, `it ended soon after its timeout of 1 minute (${elapsed} ms)`);
      await assert.rejects(poller, /did not finish within its timeout/);

      assert.deepEqual(await stagingGroups(env.resources), [], 'the staging resource group is gone');
      assert.deepEqual(await readdir(join(env.dataDir, 'work')).catch(() => []), [], 'no working files left');
      assert.deepEqual(await processesUsing(join(env.dataDir, 'work')), [], 'the sandbox was killed');
    } finally {
      await env.dispose();
    }
  });
});
