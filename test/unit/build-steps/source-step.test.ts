// The source step alone, on a small busybox disk: it mounts the run's bounded space, fetches the
// source's bytes into it, turns them into the working raw disk and opens the root file system in
// place, telling the run's progress as it goes; its cleanup detaches that root; a run canceled
// during it stops its disk tools at once. A source read where it is becomes a copy-on-write overlay,
// whose changes the write image step lists. A root's check is kept by the source's content name.
// A template's vmProfile.osDiskSizeGB grows the working disk, fetched or an overlay, and so the image.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteMetadataStore } from '../../../src/adapters/sqlite-metadata-store.ts';
import { makeBusyboxBaseImage } from '../../../src/imaging/disk/base-image.ts';
import { CHECKED_ROOT_KIND } from '../../../src/imaging/disk/checked-roots.ts';
import { toFixedVhd } from '../../../src/imaging/disk/disk-image.ts';
import { ToolCanceled } from '../../../src/imaging/disk/run.ts';
import { removeRunWork } from '../../../src/imaging/disk/run-space.ts';
import { sourceStep, type SourceImage } from '../../../src/imaging/image-template/source-step.ts';
import { writeImageStep } from '../../../src/imaging/image-template/write-image-step.ts';
import { parseVhdFooter } from '../../../src/core/vhd.ts';
import { imageBuildFixture } from '../../support/image-build.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-source-step-'));
const works: string[] = [];
after(async () => {
  // The runs' spaces are mounted: removeRunWork unmounts them first.
  for (const work of works) await removeRunWork(work);
  rmSync(root, { recursive: true, force: true });
});

let vhd: string;
before(async () => {
  await makeBusyboxBaseImage(join(root, 'base.raw'), { sizeMiB: 32 });
  vhd = join(root, 'base.vhd');
  await toFixedVhd(join(root, 'base.raw'), vhd);
});
const source = async (): Promise<SourceImage> => ({
  description: 'busybox test disk',
  size: (await stat(vhd)).size,
  open: () => createReadStream(vhd),
});
let runs = 0;
const fixture = () => {
  const made = imageBuildFixture(root, ++runs);
  works.push(made.state.work);
  return made;
};

describe('source step', () => {
  it('fetches a fixed VHD into the run space and opens its root file system in place', async () => {
    const { state, log, ctx } = fixture();
    const told: string[] = [];
    const step = sourceStep({
      find: async () => (told.push('find'), source()),
      diskLimitMiB: 256,
      progress: {
        started: async () => void told.push('started'),
        fetched: async (s) => void told.push(`fetched ${s.description}`),
        opened: async () => void told.push('opened'),
      },
    });
    assert.equal(step.name, 'source');
    await step.run(state, ctx);
    assert.deepEqual(told, ['started', 'find', 'fetched busybox test disk', 'opened']);
    assert.ok(existsSync(join(state.rootfs, 'bin/busybox')), 'the root file system is open');
    assert.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${state.rootfs} .* fuse\\.fuse2fs `));
    assert.equal(state.partition?.table, 'dos');
    assert.equal(state.partition?.start, 1024 * 1024);
    assert.equal(state.diskLimit, '256 MiB (build.limits.diskMiB)');
    // No second copy: the fetched VHD lost its footer in place and became the working disk.
    assert.ok(!existsSync(join(state.work, 'space/source.img')));
    assert.equal((await stat(state.raw)).size, 32 * 1024 * 1024);
    const text = readFileSync(log.path, 'utf8');
    assert.match(text, /Disk space for this run: 256 MiB/);
    assert.match(text, /Fetching the source: busybox test disk\n/);
    assert.match(text, /Source is vpc, 33554432 bytes\n.*Root file system at byte 1048576 \(dos table\)/);
    assert.match(text, /Root file system checked \(e2fsck -fn\) and opened in place/);
    await step.cleanup!(state, ctx);
    assert.equal(state.root, undefined);
    assert.ok(!existsSync(state.rootfs), 'the cleanup detached the root and removed its mount point');
  });

  it('checks a root once per content: the same bytes open again without e2fsck -fn, a damaged root is refused every time', async () => {
    const verdicts = await openSqliteMetadataStore(join(root, 'verdicts.db'));
    const damaged = join(root, 'damaged.vhd');
    copyFileSync(vhd, damaged);
    const MIB = 1024 * 1024;
    execFileSync('debugfs', ['-w', '-R', 'set_inode_field /etc/hostname links_count 7', `${damaged}?offset=${MIB}`], {
      stdio: 'ignore',
    });
    const open = async (file: string, contentId: string) => {
      const { state, log, ctx } = fixture();
      const step = sourceStep({
        find: async () => ({ ...(await source()), open: () => createReadStream(file), contentId }),
        diskLimitMiB: 256,
        checkedRoots: verdicts,
      });
      try {
        await step.run(state, ctx);
        assert.ok(existsSync(join(state.rootfs, 'bin/busybox')), 'the root file system is open');
      } finally {
        await step.cleanup!(state, ctx);
      }
      return readFileSync(log.path, 'utf8');
    };
    const good = 'a'.repeat(64);
    assert.match(await open(vhd, good), /Root file system checked \(e2fsck -fn\) and opened in place/);
    assert.match(await open(vhd, good), /opened in place \(these bytes passed e2fsck -fn in an earlier build\)/);
    // Another content name is other bytes: checked, and refused each time, its findings named.
    for (let attempt = 0; attempt < 2; attempt++)
      await assert.rejects(open(damaged, 'b'.repeat(64)), /e2fsck -fn found: .*Inode \d+ ref count is 7, should be 1/);
    assert.equal((await verdicts.list({ kind: CHECKED_ROOT_KIND, limit: 10 })).length, 1, 'only the pass is kept');
    await verdicts.close();
  });

  it('stops with ToolCanceled, opening nothing, when the run is canceled once the bytes are in', async () => {
    const { state, ctx, controller } = fixture();
    const step = sourceStep({
      find: source,
      progress: { fetched: async () => controller.abort(new Error('canceled by the test')) },
    });
    const begin = performance.now();
    await assert.rejects(step.run(state, ctx), ToolCanceled);
    assert.ok(performance.now() - begin < 5000);
    assert.ok(!existsSync(join(state.rootfs, 'bin')), 'nothing opened');
  });

  it('reads a fixed VHD where it is, through a copy-on-write overlay, and the write image step names what changed', async () => {
    const { state, log, ctx } = fixture();
    const bytes = await readFile(vhd);
    const reads: number[] = [];
    const step = sourceStep({
      find: async () => ({
        ...(await source()),
        open: () => assert.fail('nothing is fetched'),
        readRange: async (offset, length) => (reads.push(length), bytes.subarray(offset, offset + length)),
      }),
      diskLimitMiB: 256,
    });
    await step.run(state, ctx);
    try {
      assert.ok(state.overlay, 'the working disk is an overlay');
      assert.equal(state.raw, state.overlay.path);
      assert.equal((await stat(state.raw)).size, 32 * 1024 * 1024, 'the disk without its footer');
      // Async only: this process serves the overlay's reads of the source.
      await access(join(state.rootfs, 'bin/busybox'));
      const read = reads.reduce((total, length) => total + length, 0);
      assert.ok(read < bytes.length / 2, `opening read ${read} of ${bytes.length} bytes`);
      await writeFile(join(state.rootfs, 'etc/customized'), 'by a customizer\n');
      await writeImageStep().run(state, ctx);
      const image = state.image!;
      assert.equal(image.format, 'raw');
      assert.equal(image.size, bytes.length);
      assert.ok(image.footer && parseVhdFooter(image.footer).ok);
      assert.ok(image.changedChunks!.length < 8, `changed chunks: ${image.changedChunks}`);
      assert.equal(image.changedChunks!.at(-1), 8, "the footer's chunk, past the disk's 8");
      const built = await image.read!(0, image.size);
      assert.ok(built.subarray(-512).equals(image.footer!));
      assert.ok(built.subarray(0, 1024 * 1024).equals(bytes.subarray(0, 1024 * 1024)), 'the MBR and gap as they were');
      const unchanged = [...Array(8).keys()].filter((index) => !image.changedChunks!.includes(index));
      for (const index of unchanged) {
        const chunk = (buffer: Buffer) => buffer.subarray(index * 4 * 1024 * 1024, (index + 1) * 4 * 1024 * 1024);
        assert.ok(chunk(built).equals(chunk(bytes)), `chunk ${index} is the source's`);
      }
      assert.ok(bytes.equals(readFileSync(vhd)), 'the source is as it was');
    } finally {
      await step.cleanup!(state, ctx);
    }
    assert.equal(state.overlay, undefined);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(state.raw), 'the overlay is detached');
    assert.match(readFileSync(log.path, 'utf8'), /a fixed VHD read where it is \(copy-on-write, nothing fetched\)/);
  });

  it('grows the working disk to vmProfile.osDiskSizeGB, fetched or an overlay, and the image is that size', async () => {
    const GIB = 1024 ** 3;
    const bytes = await readFile(vhd);
    for (const overlay of [false, true]) {
      const { state, log, ctx } = fixture();
      const step = sourceStep({
        find: async () => ({
          ...(await source()),
          ...(overlay
            ? { readRange: async (offset: number, length: number) => bytes.subarray(offset, offset + length) }
            : {}),
        }),
        diskLimitMiB: 256,
        osDiskSizeGB: 1,
      });
      await step.run(state, ctx);
      try {
        assert.equal(Boolean(state.overlay), overlay);
        assert.equal((await stat(state.raw)).size, GIB, 'the working disk is 1 GiB');
        // Its root still opens in place: the partitions are the source's.
        await access(join(state.rootfs, 'bin/busybox'));
        await writeFile(join(state.rootfs, 'etc/grown'), 'on a grown disk\n');
        await writeImageStep().run(state, ctx);
        assert.equal(state.image!.size, GIB + 512, 'the image is the grown disk and its footer');
        if (overlay) {
          const tail = await state.image!.read!(GIB - 4096, 4096 + 512);
          assert.ok(tail.subarray(0, 4096).equals(Buffer.alloc(4096)), 'zeros past the source');
          assert.ok(parseVhdFooter(tail.subarray(4096)).ok, 'then the new footer');
        } else assert.equal((await stat(state.image!.path)).size, GIB + 512);
      } finally {
        await step.cleanup!(state, ctx);
      }
      const text = readFileSync(log.path, 'utf8');
      assert.match(text, /OS disk grown from 33554432 to 1073741824 bytes \(properties\.vmProfile\.osDiskSizeGB: 1\)/);
      assert.match(text, /In place the root partition keeps its size/);
    }
  });
});
