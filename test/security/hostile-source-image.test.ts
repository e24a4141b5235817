// Issue 10, point 1: a source image whose directory entries aim the extraction at a host file (a
// symlink followed by a file of the same name; a name holding "../"). Through the API as a
// Contributor of one resource group, the run fails saying the image is damaged or hostile and the
// host file is untouched; called directly without the check, the confined extraction still writes
// nothing outside its folder; and the host-side metadata pass never follows a link out of the tree.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DamagedFileSystem } from '../../src/imaging/disk/damaged-fs.ts';
import { debugfs } from '../../src/imaging/disk/debugfs.ts';
import { copyOutRootFs, extractRootFs } from '../../src/imaging/disk/ext4.ts';
import { restoreWhatRdumpDrops } from '../../src/imaging/disk/restore-metadata.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { uploadDisk } from '../support/disk-data.ts';
import { makeHostileDisk, PARTITION_START, type Attack } from '../support/hostile-disk.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const ORIGINAL = 'host file, not to be touched\n';
const PAYLOAD = 'written by a hostile image\n';
const ATTACKS: Array<{ attack: Attack; finding: RegExp }> = [
  { attack: 'symlink-twin', finding: /Duplicate entry 'kiln-twin-a'/ },
  { attack: 'dot-dot-name', finding: /has illegal characters in its name/ },
];

describe('a hostile source image', () => {
  let kiln: TestServer;
  let scratch: string;
  let outside: string;
  let canary: string;

  before(async () => {
    kiln = await startTestServer();
    scratch = await mkdtemp(join(tmpdir(), 'kiln-hostile-test-'));
    // The host file the attacks aim at, outside the data folder and every work folder.
    outside = join(scratch, 'outside');
    canary = join(outside, 'canary');
    await mkdir(outside);
    await writeFile(canary, ORIGINAL);
  });
  after(async () => {
    await kiln.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** The canary folder holds the canary alone, as it was. */
  async function assertOutsideUntouched() {
    assert.deepEqual(await readdir(outside), ['canary']);
    assert.equal(await readFile(canary, 'utf8'), ORIGINAL);
  }

  describe('run as a Contributor of one resource group, through the API', () => {
    const rg = 'tenant-a';
    let compute: ComputeManagementClient;
    let builder: ImageBuilderClient;

    before(async () => {
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
        endpoint: kiln.url,
      }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
      const scope = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}`;
      const credential = await principalCredential(kiln, 'hostile contributor', 'Contributor', scope);
      compute = new ComputeManagementClient(credential, kiln.subscriptionId, { endpoint: kiln.url });
      builder = new ImageBuilderClient(credential, kiln.subscriptionId, { endpoint: kiln.url });
    });

    for (const { attack, finding } of ATTACKS) {
      it(`${attack}: the run fails, saying the root file system is damaged or hostile, and the host file is untouched`, async () => {
        const { vhd } = await makeHostileDisk(join(scratch, `${attack}.raw`), attack, canary, PAYLOAD);
        await uploadDisk(compute, rg, attack, 'westus', await readFile(vhd));
        const diskId = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${attack}`;
        const image = await compute.images.beginCreateOrUpdateAndWait(
          rg,
          attack,
          {
            location: 'westus',
            storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: diskId } } },
          },
          { updateIntervalInMs: 100 },
        );
        await builder.virtualMachineImageTemplates.createOrUpdate(rg, attack, {
          location: 'westus',
          identity: { type: 'None' },
          source: { type: 'ManagedImage', imageId: image.id! },
          customize: [{ type: 'Shell', name: 'noop', inline: ['true'] }],
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        });
        await assert.rejects(
          builder.virtualMachineImageTemplates.run(rg, attack, { updateIntervalInMs: 100 }),
          /BuildFailed/,
        );
        const status = (await builder.virtualMachineImageTemplates.get(rg, attack)).lastRunStatus!;
        assert.equal(status.runState, 'Failed');
        assert.match(
          status.message!,
          /Step 'source' failed: The source image's root file system is damaged or hostile: e2fsck -fn found: /,
        );
        assert.match(status.message!, finding);
        await assertOutsideUntouched();
      });
    }
  });

  it('a superblock e2fsprogs cannot read fails the extraction as damaged or hostile', async () => {
    const disk = join(scratch, 'bad-superblock.ext4');
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    await run('mkfs.ext4', ['-q', '-F', disk]);
    const bytes = await readFile(disk);
    bytes.writeUInt32LE(40, 1024 + 24); // s_log_block_size: blocks of 1 KiB << 40
    await writeFile(disk, bytes);
    await assert.rejects(
      extractRootFs(disk, { start: 0, size: bytes.length, type: 'none', table: 'none' }, join(scratch, 'never')),
      /^DamagedFileSystem: The source image's root file system is damaged or hostile: dumpe2fs cannot read its superblock: .*superblock is corrupt/,
    );
  });

  describe('extracted without the check, the confinement alone holds', () => {
    for (const { attack } of ATTACKS) {
      it(`${attack}: nothing outside the extraction folder changes`, async () => {
        const { raw } = await makeHostileDisk(join(scratch, `${attack}-direct.raw`), attack, canary, PAYLOAD);
        const work = await mkdtemp(join(scratch, 'work-'));
        const before = await snapshot(scratch, work);
        // Whether rdump reports the entries it could not write or not, nothing may land outside `work`.
        await copyOutRootFs({ file: raw, offset: PARTITION_START }, join(work, 'rootfs')).catch(() => undefined);
        assert.deepEqual(await snapshot(scratch, work), before);
        await assertOutsideUntouched();
      });
    }

    it('a tree that differs from its listing (a folder swapped for a link out) makes the metadata pass refuse, not follow it', async () => {
      // A setuid file in a folder: the metadata pass chmods it, since rdump drops the setuid bit.
      const root = join(scratch, 'setuid-root');
      await mkdir(join(root, 'opt'), { recursive: true });
      await writeFile(join(root, 'opt', 'tool'), '#!/bin/sh\n');
      await chmod(join(root, 'opt', 'tool'), 0o4755);
      const disk = join(scratch, 'setuid.ext4');
      await writeFile(disk, '');
      await truncate(disk, 8 * 1024 * 1024);
      await run('mkfs.ext4', ['-q', '-F', '-d', root, disk]);
      const fs = { file: disk, offset: 0 };
      const dir = await mkdtemp(join(scratch, 'extracted-'));
      await debugfs(fs, ['rdump / .'], { dumpTo: dir });
      // As if the extraction had gone through a link: opt is now a symlink to a host folder holding a "tool".
      await writeFile(join(outside, 'tool'), 'host tool\n');
      await chmod(join(outside, 'tool'), 0o644);
      await rename(join(dir, 'opt'), join(scratch, 'opt-extracted'));
      await symlink(outside, join(dir, 'opt'));
      try {
        await assert.rejects(restoreWhatRdumpDrops(fs, dir), (error: Error) => {
          assert.ok(error instanceof DamagedFileSystem, String(error));
          assert.match(
            error.message,
            /damaged or hostile: \/opt was extracted as a link, but its listing says a folder/,
          );
          return true;
        });
        assert.equal((await stat(join(outside, 'tool'))).mode & 0o7777, 0o644, 'the host file kept its mode');
      } finally {
        await rm(join(outside, 'tool'));
      }
    });
  });
});

/** Every path under `root` except those under `skip`, with its size and mode: what changed shows as a difference. */
async function snapshot(root: string, skip: string): Promise<string[]> {
  const entries: string[] = [];
  for (const name of await readdir(root, { recursive: true })) {
    const path = join(root, name);
    if (path === skip || path.startsWith(`${skip}/`)) continue;
    const stats = await stat(path).catch(() => undefined);
    entries.push(`${name} ${stats ? `${stats.size} ${stats.mode.toString(8)}` : 'dangling'}`);
  }
  return entries.sort();
}
