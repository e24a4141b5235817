/** Opens a built disk image the way a user would check it: its root file system opened read-only, or really mounted. */
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  checkImage,
  findRootPartition,
  openRootInPlace,
  toRaw,
  type RootPartition,
} from '../../src/imaging/disk/disk-image.ts';
import { run } from '../../src/imaging/disk/run.ts';

export interface OpenedDiskImage {
  /** The root file system, mounted read-only. */
  rootfs: string;
  format: string;
  partition: RootPartition;
}

/**
 * Checks the image with qemu-img and e2fsck, then gives `use` its root file system opened read-only
 * in place (as builds open it, through a confined fuse2fs, on a raw copy), and closes it afterwards.
 */
export async function withDiskImage<T>(image: string, use: (disk: OpenedDiskImage) => Promise<T>): Promise<T> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-inspect-'));
  try {
    const { format } = await checkImage(image);
    const raw = join(work, 'disk.raw');
    await toRaw(image, raw);
    const partition = await findRootPartition(raw);
    const root = await openRootInPlace(raw, partition, join(work, 'root'), { readOnly: true });
    try {
      return await use({ rootfs: root.path, format, partition });
    } finally {
      await root.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Why this machine cannot loop-mount a disk, or undefined when it can; tests skip with the reason instead of pretending. */
export async function loopMountUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'mounting a disk needs root';
  const freeLoop = () =>
    run('losetup', ['--find']).then(
      () => true,
      () => false,
    );
  if (await freeLoop()) return undefined;
  await run('modprobe', ['loop']).catch(() => undefined);
  return (await freeLoop())
    ? undefined
    : 'no loop device on this machine (`losetup --find` finds none, even after `modprobe loop`)';
}

/**
 * Mounts the file system at `partition` of a raw disk or fixed VHD (its footer lies past every
 * partition) read-only through a loop device, as the kernel of a VM booting it would, and gives
 * `use` the mount point and the loop device; unmounts and detaches afterwards.
 */
export async function withReadOnlyMount<T>(
  disk: string,
  partition: RootPartition,
  use: (dir: string, device: string) => Promise<T>,
  type: 'ext4' | 'xfs' = 'ext4',
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-mount-'));
  const args = [
    '--find',
    '--show',
    '--read-only',
    '--offset',
    String(partition.start),
    '--sizelimit',
    String(partition.size),
    resolve(disk),
  ];
  const device = (await run('losetup', args)).stdout.trim();
  try {
    await run('mount', ['-t', type, '-o', 'ro', device, dir]);
    try {
      return await use(dir, device);
    } finally {
      await run('umount', [dir]);
    }
  } finally {
    await run('losetup', ['--detach', device]);
    await rmdir(dir);
  }
}
