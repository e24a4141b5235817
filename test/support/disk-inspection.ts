/** Opens a built disk image the way a user would check it: its root file system as a directory. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage, extractRootFs, findRootPartition, toRaw } from '../../src/build/disk/disk-image.ts';

/** Checks the image with qemu-img and e2fsck, then extracts its root file system into a new directory. */
export async function openDiskImage(image: string): Promise<{ rootfs: string; format: string }> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-inspect-'));
  const { format } = await checkImage(image);
  const raw = join(work, 'disk.raw');
  await toRaw(image, raw);
  const partition = await findRootPartition(raw);
  await checkImage(raw);
  const rootfs = join(work, 'rootfs');
  await extractRootFs(raw, partition, rootfs);
  return { rootfs, format };
}
