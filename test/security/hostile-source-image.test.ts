// Issue 10, point 1: a source image whose directory entries aim at a host file (a symlink followed
// by a file of the same name; a name holding "../"). Through the API as a Contributor of one
// resource group, the run fails saying the image is damaged or hostile and the host file is
// untouched; opened in place without the check, served by the confined fuse2fs, what a build does
// with it (a script that reads and writes everywhere in it, the host-side walk generalize makes)
// still changes nothing outside the disk file.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkRootFs } from '../../src/imaging/disk/ext4.ts';
import { mountRootInPlace } from '../../src/imaging/disk/root-in-place.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { imagePath, runInSandbox } from '../../src/imaging/sandbox.ts';
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

  it('a superblock e2fsprogs cannot read fails the check as damaged or hostile', async () => {
    const disk = join(scratch, 'bad-superblock.ext4');
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    await run('mkfs.ext4', ['-q', '-F', disk]);
    const bytes = await readFile(disk);
    bytes.writeUInt32LE(40, 1024 + 24); // s_log_block_size: blocks of 1 KiB << 40
    await writeFile(disk, bytes);
    await assert.rejects(
      checkRootFs(disk, { start: 0, size: bytes.length, type: 'none', table: 'none' }),
      /^DamagedFileSystem: The source image's root file system is damaged or hostile: dumpe2fs cannot read its superblock: .*superblock is corrupt/,
    );
  });

  describe('opened in place without the check, the confinement alone holds', () => {
    for (const { attack } of ATTACKS) {
      it(`${attack}: a script reading and writing everywhere in it, and a host-side walk, change nothing outside the disk`, async () => {
        const { raw } = await makeHostileDisk(join(scratch, `${attack}-direct.raw`), attack, canary, PAYLOAD);
        const work = await mkdtemp(join(scratch, 'work-'));
        const before = await snapshot(scratch, work);
        const partition = { start: PARTITION_START, size: 23 * 1024 * 1024, type: '83', table: 'dos' as const };
        const root = await mountRootInPlace(raw, partition, join(work, 'root'));
        try {
          // What a customizer may do: read every entry, follow every link, write into every folder.
          const script = [
            'export PATH=/bin; busybox --install -s /bin',
            'for f in $(find / -xdev 2>/dev/null); do cat "$f" >/dev/null 2>&1; done',
            `for d in $(find / -xdev -type d 2>/dev/null); do echo '${PAYLOAD.trim()}' > "$d/kiln-twin-a" 2>/dev/null; done`,
            'true',
          ].join('\n');
          // The crafted image has no shell: one is written into it, through the mount, as a File customizer would.
          await copyFile('/bin/busybox', join(root.path, 'bin/busybox'));
          await chmod(join(root.path, 'bin/busybox'), 0o755);
          const lines: string[] = [];
          const { exitCode } = await runInSandbox(root.path, ['/bin/busybox', 'sh', '-c', script], {
            onOutput: (line) => lines.push(line),
          });
          assert.equal(exitCode, 0, lines.join('\n'));
          // What Kiln itself does on the host side: walk the tree (generalize lists folders), and write
          // where an image path leads (the File customizer), resolved inside the image (imagePath).
          await readdir(root.path, { recursive: true }).catch(() => undefined);
          await writeFile(await imagePath(root.path, '/kiln-twin-a', { followLast: true }), PAYLOAD).catch(
            () => undefined,
          );
        } finally {
          await root.close().catch(() => root.abandon());
        }
        assert.deepEqual(await snapshot(scratch, work), before);
        await assertOutsideUntouched();
      });
    }
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
