// Issue 12: a build changes only what its steps change. A disk that really boots (MBR, extlinux,
// Debian's kernel, a busybox root: test/support/bootable-disk.ts), with a sparse file added, is
// imported as a platform image and built by `kiln build --boot-check` with one Shell step, whose boot
// check reaches the login prompt; the build reads the source where the store keeps it (a copy-on-write
// overlay) and changes few of its chunks. The built VHD boots under QEMU to its login prompt showing what the
// step wrote; every byte outside the root partition is the source's; the file system keeps its UUID;
// and, read through the kernel's own ext4 driver, file capabilities, extended attributes, hard links
// and sparse files survive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buffer } from 'node:stream/consumers';
import { copyFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/imaging/disk/run.ts';
import { bootableDisk, ROOT_FEATURES } from '../support/bootable-disk.ts';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { parseBlobUrl } from '../../src/core/blob-url.ts';
import { loopMountUnavailable, withReadOnlyMount } from '../support/disk-inspection.ts';
import { bootToPrompt } from '../support/serial-boot.ts';

const KILN = resolve('bin/kiln.js');
const MIB = 1024 * 1024;
const SPARSE = { path: 'srv/sparse.bin', size: 64 * MIB, data: 'a few bytes in the middle' };
const MARKER = 'built in place by kiln';

let work: string;
const kiln = (...args: string[]) => spawnSync(process.execPath, [KILN, ...args], { encoding: 'utf8', cwd: work });

/** Adds a 64 MiB file holding only a few bytes to the source's root, with a rw loop mount of the test's own disk. */
async function addSparseFile(disk: string, partition: { start: number; size: number }): Promise<void> {
  const device = (
    await run('losetup', [
      '--find',
      '--show',
      '--offset',
      String(partition.start),
      '--sizelimit',
      String(partition.size),
      disk,
    ])
  ).stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), 'kiln-in-place-src-'));
  try {
    await run('mount', ['-t', 'ext4', device, dir]);
    try {
      await run('mkdir', ['-p', join(dir, 'srv')]);
      const file = await open(join(dir, SPARSE.path), 'w');
      await file.truncate(SPARSE.size);
      await file.write(SPARSE.data, SPARSE.size / 2);
      await file.close();
    } finally {
      await run('umount', [dir]);
    }
  } finally {
    await run('losetup', ['--detach', device]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The file system UUID in the ext superblock (1024 bytes in, s_uuid at 0x68). */
async function fsUuid(disk: string, partitionStart: number): Promise<string> {
  const file = await open(disk, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(16), 0, 16, partitionStart + 1024 + 0x68);
    return buffer.toString('hex');
  } finally {
    await file.close();
  }
}

async function bytes(path: string, start: number, end: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(end - start), 0, end - start, start);
    return buffer;
  } finally {
    await file.close();
  }
}

const xattr = (path: string, name: string) =>
  spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())', path, name], {
    encoding: 'utf8',
  });

describe('a build in place', { skip: process.getuid?.() !== 0 && 'builds need root' }, () => {
  let source: string;
  let partition: { start: number; size: number };

  before(async () => {
    const skip = await loopMountUnavailable();
    if (skip) throw new Error(`this test prepares its source with a loop mount: ${skip}`);
    work = await mkdtemp(join(tmpdir(), 'kiln-in-place-'));
    const fixture = await bootableDisk();
    partition = fixture.partition;
    source = join(work, 'source.raw');
    await copyFile(fixture.path, source);
    await addSparseFile(source, partition);
    const imported = kiln(
      'platform-image',
      'import',
      '--data',
      join(work, 'data'),
      ...['--publisher', 'kiln-test', '--offer', 'bootable', '--sku', 'extlinux', '--version', '1.0.0'],
      ...['--file', source],
    );
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('keeps the image bootable and everything the step did not change, byte for byte', async () => {
    const template = {
      type: 'Microsoft.VirtualMachineImages/imageTemplates',
      apiVersion: '2022-02-14',
      location: 'westus',
      properties: {
        source: {
          type: 'PlatformImage',
          publisher: 'kiln-test',
          offer: 'bootable',
          sku: 'extlinux',
          version: 'latest',
        },
        customize: [
          {
            type: 'Shell',
            name: 'mark',
            inline: [`echo '${MARKER}' > /etc/kiln-boot-marker`, "echo 'Customized by a Shell step' >> /etc/motd"],
          },
        ],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    };
    await writeFile(join(work, 'bootable.json'), JSON.stringify(template));
    const built = kiln(
      'build',
      join(work, 'bootable.json'),
      '--data',
      join(work, 'data'),
      '--output-dir',
      join(work, 'out'),
      '--boot-check',
    );
    assert.equal(built.status, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /Boot check: login prompt after \d+\.\d s \((kvm|tcg)\)/, built.stdout);
    // The source stayed in the store: the build worked on a copy-on-write overlay and knows what it changed.
    assert.match(built.stdout, /a fixed VHD read where it is \(copy-on-write, nothing fetched\)/);
    const written = /Image written: fixed VHD of \d+ bytes, (\d+) of its (\d+) chunks changed/.exec(built.stdout);
    assert.ok(written && Number(written[1]) <= Number(written[2]) / 2, built.stdout);
    assert.match(built.stdout, new RegExp(`KILN-BOOT: ${MARKER}`), "the boot check's console is in the build's output");
    // The run output says how the image booted, and where its serial console was sealed.
    const checked = /boot check: login prompt after [\d.]+ s \((kvm|tcg), BIOS\); serial console: (\S+)/.exec(
      built.stdout,
    );
    assert.ok(checked, built.stdout);
    const serial = parseBlobUrl(checked[2])!;
    const store = createFsBlobStore(serial.region, join(work, 'data', 'regions', serial.region));
    await store.open();
    try {
      const console = (await buffer(store.read(serial.key))).toString();
      assert.match(
        console,
        new RegExp(`^\\S+ KILN-BOOT: ${MARKER}$`, 'm'),
        'the sealed console has the boot, each line timed',
      );
    } finally {
      await store.close();
    }
    const vhd = join(work, 'out', 'vhd.vhd');

    // Everything outside the root partition (MBR, boot code, the gap before the partition) is the source's.
    const sourceSize = (await stat(source)).size;
    assert.equal((await stat(vhd)).size, Math.ceil(sourceSize / MIB) * MIB + 512);
    assert.ok((await bytes(vhd, 0, partition.start)).equals(await bytes(source, 0, partition.start)));
    const end = partition.start + partition.size;
    if (end < sourceSize) assert.ok((await bytes(vhd, end, sourceSize)).equals(await bytes(source, end, sourceSize)));
    assert.equal(await fsUuid(vhd, partition.start), await fsUuid(source, partition.start), 'same file system UUID');

    // Read by the kernel's ext4 driver, as the booted VM reads it.
    await withReadOnlyMount(vhd, { ...partition, type: '83', table: 'dos' }, async (dir) => {
      assert.equal(await readFile(join(dir, 'etc/kiln-boot-marker'), 'utf8'), `${MARKER}\n`);
      const capability = spawnSync('/usr/sbin/getcap', [join(dir, ROOT_FEATURES.capability.path)], {
        encoding: 'utf8',
      });
      assert.match(capability.stdout, /cap_net_raw=ep/, capability.stdout + capability.stderr);
      const attr = xattr(join(dir, ROOT_FEATURES.xattr.path), ROOT_FEATURES.xattr.name);
      assert.equal(attr.stdout.trim(), ROOT_FEATURES.xattr.value, attr.stderr);
      assert.equal(
        (await stat(join(dir, ROOT_FEATURES.hardLink.path))).ino,
        (await stat(join(dir, ROOT_FEATURES.hardLink.target))).ino,
        'still two names of one inode',
      );
      const sparse = await stat(join(dir, SPARSE.path));
      assert.equal(sparse.size, SPARSE.size);
      assert.ok(sparse.blocks * 512 <= 64 * 1024, `still sparse: ${sparse.blocks} blocks allocated`);
      const middle = await bytes(join(dir, SPARSE.path), SPARSE.size / 2, SPARSE.size / 2 + SPARSE.data.length);
      assert.equal(middle.toString(), SPARSE.data);
    });

    // And it boots: extlinux still finds ldlinux.sys where its boot sector says, and the root's init shows the step's work.
    const booted = await bootToPrompt(vhd, { format: 'vpc' });
    assert.match(booted.serial, new RegExp(`KILN-BOOT: ${MARKER}`));
    assert.match(booted.serial, /login:/);
  });
});
