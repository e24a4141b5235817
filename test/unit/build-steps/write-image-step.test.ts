// The write image step alone: the root file system the source step opened in place is closed (fuse2fs
// writes it back), checked, and published as a fixed VHD that qemu-img and e2fsck accept, holding what
// the customizers added; the working raw disk becomes the VHD, with no copy left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../../src/imaging/disk/base-image.ts';
import { checkImage, findRootPartition, openRootInPlace } from '../../../src/imaging/disk/disk-image.ts';
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

  it('refuses to run before the source step opened the root file system', async () => {
    const { state, ctx } = imageBuildFixture(root, 2);
    await assert.rejects(writeImageStep().run(state, ctx), /needs the root file system the source step opens/);
  });
});
