// Issue 10, point 9 (disk): a run may write at most `build.limits.diskMiB` of the host's disk. A run
// whose steps write more than the limit fails with a message naming the limit and the setting, and the
// data folder (where runs work) never takes much more than the limit meanwhile; a source bigger than
// the limit is read where it is (issue 12: a copy-on-write overlay), so it costs the run nothing. Since
// builds change the image in place (issue 12), a Shell step that tries to write 1 GiB into a 64 MiB
// image fills the image's own root file system, never the host: the run fails saying that.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDiskLimitMiB, defaultConfig } from '../../src/app/config.ts';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { runDiskLimit } from '../../src/imaging/disk/disk-limit.ts';
import { findRootPartition, openRootInPlace, toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { MIB, putRegionBlob } from '../support/disk-data.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const LIMIT_MIB = 160;

/** Writes `mib` MiB of random bytes into /srv/data of the disk's root file system, opened in place. */
async function addRandomFile(raw: string, mib: number): Promise<void> {
  const root = await openRootInPlace(raw, await findRootPartition(raw), `${raw}.root`);
  try {
    await mkdir(join(root.path, 'srv'), { recursive: true });
    const file = await open(join(root.path, 'srv/data'), 'w');
    for (let i = 0; i < mib / 4; i++) await file.write(randomBytes(4 * MIB));
    await file.close();
  } finally {
    await root.close();
  }
}

describe("a run's host disk limit", () => {
  let kiln: TestServer;
  let work: string;
  let imageId: string;
  let bigImageId: string;
  let roomyImageId: string;
  const rg = 'disk-limit';

  before(async () => {
    kiln = await startTestServer({ config: { build: { limits: { diskMiB: LIMIT_MIB } } } });
    work = await mkdtemp(join(tmpdir(), 'kiln-disk-limit-'));
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const image = async (name: string, sizeMiB: number, dataMiB = 0) => {
      await makeBusyboxBaseImage(join(work, `${name}.raw`), { sizeMiB });
      // Data, not zeros: a run fetches a source sparsely, so only data takes the run's disk.
      if (dataMiB > 0) await addRandomFile(join(work, `${name}.raw`), dataMiB);
      await toFixedVhd(join(work, `${name}.raw`), join(work, `${name}.vhd`));
      const blobUri = await putRegionBlob(
        kiln,
        'westus',
        `vhds/${name}.vhd`,
        await readFile(join(work, `${name}.vhd`)),
      );
      return (
        await compute.images.createOrUpdate(rg, name, {
          location: 'westus',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
        })
      ).id!;
    };
    imageId = await image('base', 64);
    bigImageId = await image('big', 256, 200);
    roomyImageId = await image('roomy', 512);
  });
  after(async () => {
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Runs `template` watching the most host disk the data folder holds meanwhile; returns the run's error and MiB taken. */
  async function runWatchingDisk(name: string, imageId: string, inline: string[]) {
    const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, name, {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [{ type: 'Shell', name: 'work', inline }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    // The most host disk the data folder holds while the run lasts: its allocated blocks, not crossing
    // into the run's mounted space (whose backing file is counted). Measured on the folder, not as the file
    // system's free space, so other tests writing beside this one do not count.
    const used = async () => Number((await run('du', ['-sxB1', kiln.dataDir])).stdout.split(/\s/)[0]);
    const usedBefore = await used();
    let highest = usedBefore;
    let running = true;
    const watching = (async () => {
      while (running) {
        highest = Math.max(highest, await used());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let failure: unknown;
    try {
      await builder.virtualMachineImageTemplates.run(rg, name, { updateIntervalInMs: 100 });
    } catch (error) {
      failure = error;
    } finally {
      running = false;
      await watching;
    }
    const template = await builder.virtualMachineImageTemplates.get(rg, name);
    const log = await readCustomizationLog(kiln, template.id!);
    return { failure, status: template.lastRunStatus!, log: log.text, takenMiB: (highest - usedBefore) / MIB };
  }

  it('reads a source bigger than the limit where it is: the run writes only what its steps change', async () => {
    const { failure, status, log, takenMiB } = await runWatchingDisk('big-source', bigImageId, ['true']);
    assert.equal(failure, undefined, status.message);
    assert.match(log, /a fixed VHD read where it is \(copy-on-write, nothing fetched\)/);
    assert.ok(takenMiB < LIMIT_MIB / 2, `the run took ${takenMiB.toFixed(0)} MiB of host disk for a 200 MiB source`);
  });

  it('fails a run whose writes pass the limit, naming the limit and its setting, and the host disk takes no more than about the limit', async () => {
    // 300 MiB of data into a roomy image: its root file system has room, the run's space does not.
    const { failure, status, log, takenMiB } = await runWatchingDisk('too-much', roomyImageId, [
      'dd if=/dev/urandom of=/var/fill bs=1M count=300',
    ]);
    assert.match(String(failure), /BuildFailed/);
    assert.match(
      status.message!,
      new RegExp(
        `Step 'work' failed: the run used all the host disk it may write, ${LIMIT_MIB} MiB \\(build\\.limits\\.diskMiB\\)`,
      ),
    );
    assert.match(log, new RegExp(`Disk space for this run: ${LIMIT_MIB} MiB \\(build\\.limits\\.diskMiB\\)`));
    // The space is a sparse file of exactly the limit; the run's log and records take a little more.
    assert.ok(takenMiB > LIMIT_MIB / 2, `the measure sees the run fill its space: ${takenMiB.toFixed(0)} MiB`);
    assert.ok(
      takenMiB < LIMIT_MIB + 64,
      `the host disk took ${takenMiB.toFixed(0)} MiB during the run, the limit being ${LIMIT_MIB} MiB`,
    );
  });

  it("fails a step that writes 1 GiB into a 64 MiB image saying the image's root file system is full", async () => {
    const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'filler', {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [{ type: 'Shell', name: 'fill', inline: ['dd if=/dev/zero of=/var/fill bs=1M count=1024'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    await assert.rejects(
      builder.virtualMachineImageTemplates.run(rg, 'filler', { updateIntervalInMs: 100 }),
      /BuildFailed/,
    );
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'filler')).lastRunStatus!;
    assert.match(
      status.message!,
      /Step 'fill' failed: the image's root file system is full \(its partition holds 63 MiB, as in the source image; a build does not grow it/,
    );
    assert.match(status.message!, /No space left on device/);
  });

  it('defaults to three times the source plus 256 MiB, and refuses a setting that is not a whole number of MiB', () => {
    assert.deepEqual(runDiskLimit(undefined, 64 * MIB + 512).bytes, 449 * MIB);
    assert.match(
      runDiskLimit(undefined, 64 * MIB).description,
      /^448 MiB \(three times the source plus 256 MiB; build\.limits\.diskMiB sets another\)$/,
    );
    for (const diskMiB of [0, 1.5, '512']) {
      assert.throws(
        () => buildDiskLimitMiB({ ...defaultConfig(), build: { limits: { diskMiB: diskMiB as number } } }),
        /config\.json: build\.limits\.diskMiB is .*; it must be a whole number of MiB, at least 16\./,
      );
    }
  });
});
