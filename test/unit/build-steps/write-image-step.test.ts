// The write image step alone: the root file system the source step opened in place is closed (fuse2fs
// writes it back), checked, and published as a fixed VHD that qemu-img and e2fsck accept, holding what
// the customizers added; the working raw disk becomes the VHD, with no copy left behind. A root that
// fails e2fsck -fn once written back (a writer's fault) fails the step with e2fsck's findings and makes
// no image, though the overlay's changes are mapped while e2fsck runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeBusyboxBaseImage } from '../../../src/imaging/disk/base-image.ts';
import { checkImage, findRootPartition, openRootInPlace } from '../../../src/imaging/disk/disk-image.ts';
import { removeRunWork } from '../../../src/imaging/disk/run-space.ts';
import { toFixedVhd } from '../../../src/imaging/disk/disk-image.ts';
import { sourceStep } from '../../../src/imaging/image-template/source-step.ts';
import { writeImageStep } from '../../../src/imaging/image-template/write-image-step.ts';
import { imageBuildFixture } from '../../support/image-build.ts';
import { withDiskImage } from '../../support/disk-inspection.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-write-image-step-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('write image step', () => {
  it('closes the root opened in place and makes a fixed VHD e2fsck accepts, from the working disk itself', async () => {
    const { state, log, ctx } = imageBuildFixture(root, 1);
    // What the source step leaves: a working raw disk, its root partition, the root opened in place.
    mkdirSync(join(state.work, 'space'));
    await makeBusyboxBaseImage(state.raw, { sizeMiB: 32 });
    state.partition = await findRootPartition(state.raw);
    state.root = await openRootInPlace(state.raw, state.partition, state.rootfs);
    try {
      writeFileSync(join(state.rootfs, 'etc/customized'), 'by a customizer\n');
      const step = writeImageStep();
      assert.equal(step.name, 'write image');
      await step.run(state, ctx);
    } finally {
      await state.root?.abandon();
    }
    assert.equal(state.root, undefined, 'the step closed the root');
    assert.ok(!existsSync(state.rootfs), 'closing unmounted the root and removed its mount point');
    assert.ok(!existsSync(state.raw), 'the working raw disk was renamed into the VHD');

    const size = (await stat(state.vhd)).size;
    assert.equal(size, 32 * 1024 * 1024 + 512, 'a whole number of MiB and the footer');
    assert.deepEqual(await checkImage(state.vhd), { format: 'vpc', virtualSize: 32 * 1024 * 1024 });
    await withDiskImage(state.vhd, async (built) => {
      assert.equal(readFileSync(join(built.rootfs, 'etc/customized'), 'utf8'), 'by a customizer\n');
    });
    const text = readFileSync(log.path, 'utf8');
    assert.match(text, /Root file system closed and checked \(e2fsck -fn\)/);
    assert.match(text, new RegExp(`Image written: fixed VHD of ${size} bytes`));
  });

  it('makes no image of a root that fails e2fsck -fn once written back, naming its findings (an overlay)', async () => {
    const { state, ctx } = imageBuildFixture(root, 3);
    const raw = join(root, 'overlay-base.raw');
    const vhd = join(root, 'overlay-base.vhd');
    await makeBusyboxBaseImage(raw, { sizeMiB: 32 });
    await toFixedVhd(raw, vhd);
    const bytes = await readFile(vhd);
    const source = sourceStep({
      find: async () => ({
        description: 'busybox test disk',
        size: bytes.length,
        open: () => assert.fail('nothing is fetched'),
        readRange: async (offset, length) => bytes.subarray(offset, offset + length),
      }),
      diskLimitMiB: 256,
    });
    try {
      await source.run(state, ctx);
      assert.ok(state.overlay && state.root && state.partition);
      // The writer's fault, as if fuse2fs had written a wrong link count back.
      const opened = state.root;
      const at = `${state.raw}?offset=${state.partition.start}`;
      state.root = {
        ...opened,
        close: async () => {
          await opened.close();
          // Async: this process serves the overlay's reads of the source.
          await promisify(execFile)('debugfs', ['-w', '-R', 'set_inode_field /etc/hostname links_count 7', at]);
        },
      };
      await assert.rejects(
        writeImageStep().run(state, ctx),
        /^Error: The built root file system fails e2fsck -fn, so it is not published: .*Inode \d+ ref count is 7, should be 1/,
      );
      assert.equal(state.image, undefined, 'no image was made');
    } finally {
      await source.cleanup!(state, ctx);
      await removeRunWork(state.work);
    }
  });

  it('refuses to run before the source step opened the root file system', async () => {
    const { state, ctx } = imageBuildFixture(root, 2);
    await assert.rejects(writeImageStep().run(state, ctx), /needs the root file system the source step opens/);
  });
});
