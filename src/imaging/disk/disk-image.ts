/**
 * Disk images for builds, with the host kernel never parsing their content: convert any VM image to
 * a raw disk, find its ext2/3/4 root partition, open its root file system in place (a confined
 * fuse2fs serves it), write a directory as a new file system into a partition (for base images), and
 * publish the raw disk as an Azure-sized fixed VHD.
 *
 * Tools: qemu-img (qemu-utils), sfdisk (fdisk), mkfs.ext4/debugfs/dumpe2fs/e2fsck (e2fsprogs),
 * fuse2fs, cp/du (coreutils), fallocate (util-linux); scripts/setup.sh installs them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkExtFs } from './ext4.ts';
import { checkImageMetadata, inspectImage, toRaw } from './image-format.ts';
import { findRootPartition } from './partitions.ts';

export { writeRootFs } from './ext4.ts';
export { openRootInPlace, type OpenRoot } from './root-in-place.ts';
export { moveToRaw, toFixedVhd, toRaw } from './image-format.ts';
export { findRootPartition, type RootPartition } from './partitions.ts';

/**
 * Checks an image the way a hypervisor will use it: qemu-img opens it (and `qemu-img check`s the
 * formats with metadata), and its root partition passes `e2fsck -fn`. Non-raw images are checked
 * through a raw copy made next to them (sharing blocks where the file system can).
 */
export async function checkImage(path: string): Promise<{ format: string; virtualSize: number }> {
  const info = await inspectImage(path);
  await checkImageMetadata(path, info);
  if (info.format === 'raw') {
    await checkExtFs(path, await findRootPartition(path));
  } else {
    const work = await mkdtemp(join(dirname(path), '.kiln-check-'));
    try {
      const raw = join(work, 'disk.raw');
      await toRaw(path, raw);
      await checkExtFs(raw, await findRootPartition(raw));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { format: info.format, virtualSize: info.virtualSize };
}
