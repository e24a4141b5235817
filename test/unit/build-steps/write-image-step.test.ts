// The write image step alone: a customized root folder goes back into its partition of the working
// disk and out as a fixed VHD that qemu-img and e2fsck accept, holding what the customizers added.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../../src/imaging/disk/base-image.ts';
import { checkImage, extractRootFs, findRootPartition } from '../../../src/imaging/disk/disk-image.ts';
import { writeImageStep } from '../../../src/imaging/image-template/write-image-step.ts';
import { imageBuildFixture } from '../../support/image-build.ts';
import { openDiskImage } from '../../support/disk-inspection.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-write-image-step-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('write image step', () => {
  it('writes the root folder back and makes a fixed VHD e2fsck accepts', async () => {
    const { state, log, ctx } = imageBuildFixture(root, 1);
    // What the source step leaves: a working raw disk, its root partition, the extracted folder.
    mkdirSync(join(state.work, 'space'));
    await makeBusyboxBaseImage(state.raw, { sizeMiB: 32 });
    state.partition = await findRootPartition(state.raw);
    await extractRootFs(state.raw, state.partition, state.rootfs);
    writeFileSync(join(state.rootfs, 'etc/customized'), 'by a customizer\n');

    const step = writeImageStep();
    assert.equal(step.name, 'write image');
    await step.run(state, ctx);

    const size = (await stat(state.vhd)).size;
    assert.equal(size, 32 * 1024 * 1024 + 512, 'a whole number of MiB and the footer');
    assert.deepEqual(await checkImage(state.vhd), { format: 'vpc', virtualSize: 32 * 1024 * 1024 });
    const built = await openDiskImage(state.vhd);
    try {
      assert.equal(readFileSync(join(built.rootfs, 'etc/customized'), 'utf8'), 'by a customizer\n');
    } finally {
      rmSync(join(built.rootfs, '..'), { recursive: true, force: true });
    }
    assert.match(readFileSync(log.path, 'utf8'), new RegExp(`Image written: fixed VHD of ${size} bytes`));
  });

  it('refuses to run before the source step found the root partition', async () => {
    const { state, ctx } = imageBuildFixture(root, 2);
    await assert.rejects(writeImageStep().run(state, ctx), /needs the root partition the source step finds/);
  });
});
