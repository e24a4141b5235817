/**
 * A bootable Debian 12 disk of a chosen size for benchmarks that boot what they build (Packer's
 * qemu builder needs an SSH server, which the busybox base of bootable-base.ts does not have): the
 * product's own Debian base (app/debian-base.ts: GPT, GRUB for BIOS and UEFI, systemd, cloud-init,
 * sshd, the root file system ext4 to the end of the disk), made from the debootstrap tree the
 * tests cache (test/support/debian-image.ts's DEBIAN_TREE_CACHE, downloaded from Debian's mirror
 * on first use), then made dense, as an uploaded or downloaded image is. The caller's to use up.
 *
 * Needs root and the tools scripts/setup.sh installs for the Debian base (debootstrap, GRUB's
 * programs, dosfstools, mtools).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { debootstrapped, makeDebianDisk } from '../../src/app/debian-base.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { DEBIAN_TREE_CACHE } from '../../test/support/debian-image.ts';

export interface DebianBase {
  /** The dense raw disk. */
  raw: string;
  /** What it holds, for the benchmark's header line. */
  description: string;
}

/** Makes the disk in `dir` as `debian.raw`, `sizeMib` MiB. */
export async function makeDebianBase(dir: string, sizeMib: number): Promise<DebianBase> {
  const tree = await debootstrapped(DEBIAN_TREE_CACHE, 'bookworm');
  const sparse = join(dir, 'debian-sparse.raw');
  await makeDebianDisk(tree, sparse, sizeMib);
  const raw = join(dir, 'debian.raw');
  await run('cp', ['--sparse=never', sparse, raw]);
  await rm(sparse);
  return {
    raw,
    description: `Kiln's Debian 12 base (GPT, GRUB, cloud-init, sshd; ext4 root to the end) at ${sizeMib} MiB, dense`,
  };
}
