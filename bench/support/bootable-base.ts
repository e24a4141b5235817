/**
 * The benchmarks' base disk: the tests' bootable disk (test/support/bootable-disk.ts: MBR, one ext4
 * partition from 1 MiB, extlinux, Debian's kernel, a busybox root) grown to `sizeMib` MiB, its
 * partition and file system grown to the end, half of it filled with random data files, and made
 * dense, as an uploaded or downloaded image is, so `cp` really copies every byte. The cached disk is
 * copied first and never changed. Optionally booted once under QEMU (TCG) to show it still boots.
 *
 * Needs root (losetup and a mount of the bench's own disk) and the tools the bootable disk needs.
 */
import { randomFill } from 'node:crypto';
import { copyFile, mkdir, open, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../../src/imaging/disk/run.ts';
import { bootableDisk } from '../../test/support/bootable-disk.ts';
import { bootToPrompt } from '../../test/support/serial-boot.ts';

const MIB = 1024 * 1024;
/** Half the disk is incompressible data, in this many files. */
const DATA_FILES = 4;

export interface BootableBase {
  /** The dense raw disk; the caller's to use up. */
  raw: string;
  /** What it holds, for the benchmark's header line. */
  description: string;
  /** How long the check boot took to reach the login prompt, when it was asked for. */
  bootSeconds?: number;
}

/** Makes the base in `dir` (as `base.raw`); `checkBoot` boots it once to its login prompt. */
export async function makeBootableBase(dir: string, sizeMib: number, checkBoot: boolean): Promise<BootableBase> {
  const disk = await bootableDisk();
  const sparse = join(dir, 'base-sparse.raw');
  await copyFile(disk.path, sparse);
  await truncate(sparse, sizeMib * MIB);
  // ', +' keeps partition 1's start and gives it the rest of the disk.
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '-N', '1', sparse], { input: ', +\n' });
  const partitionBytes = sizeMib * MIB - disk.partition.start;
  const dataFileMib = Math.floor(sizeMib / 2 / DATA_FILES);
  const loop = (
    await run('losetup', [
      '--find',
      '--show',
      '--offset',
      String(disk.partition.start),
      '--sizelimit',
      String(partitionBytes),
      sparse,
    ])
  ).stdout.trim();
  try {
    // On a loop device of the partition: resize2fs on `file?offset=` sizes the file system to the whole file.
    await run('resize2fs', [loop]);
    await fillWithData(loop, join(dir, 'mnt'), dataFileMib);
  } finally {
    await run('losetup', ['--detach', loop]);
  }
  await run('e2fsck', ['-fn', `${sparse}?offset=${disk.partition.start}`]);
  const raw = join(dir, 'base.raw');
  await run('cp', ['--sparse=never', sparse, raw]);
  await rm(sparse);
  const description = `the tests' bootable disk grown to ${sizeMib} MiB (ext4 partition to the end, ${DATA_FILES} files of ${dataFileMib} MiB random data), dense`;
  if (!checkBoot) return { raw, description };
  const boot = await bootToPrompt(raw);
  return { raw, description, bootSeconds: boot.seconds };
}

async function fillWithData(device: string, mountPoint: string, fileMib: number): Promise<void> {
  await mkdir(mountPoint, { recursive: true });
  await run('mount', ['-t', 'ext4', device, mountPoint]);
  try {
    const dataDir = join(mountPoint, 'srv/bench-data');
    await mkdir(dataDir, { recursive: true });
    const chunk = Buffer.alloc(4 * MIB);
    for (let i = 0; i < DATA_FILES; i += 1) {
      const file = await open(join(dataDir, `data-${i}.bin`), 'wx');
      try {
        for (let written = 0; written < fileMib * MIB; written += chunk.length) {
          await promisify(randomFill)(chunk);
          await file.write(chunk, 0, Math.min(chunk.length, fileMib * MIB - written));
        }
      } finally {
        await file.close();
      }
    }
  } finally {
    await run('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true });
  }
}
