/**
 * The bootstrapped Debian (debian-image.ts) with its root moved to xfs, for the VM build mode's
 * test: a root Kiln cannot open in place. Made from the cached ext4 disk with loop devices (root
 * only, as the other disk fixtures): a copy of the disk, its root partition formatted xfs with the
 * same label and UUID (so GRUB, whose cores carry the xfs module, and the kernel's `root=UUID=` find
 * it), the tree copied across with `cp -a`, fstab naming xfs. Cached beside the ext4 disk, written
 * under a temporary name and renamed. xfs's newest on-disk features (bigtime, inobtcount) are left
 * off: bookworm's GRUB reads xfs v5 without them.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRootPartition } from '../../src/imaging/disk/partitions.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { debianImage } from './debian-image.ts';
import { onceUnlessFailed } from './once.ts';

/** The cached xfs-rooted Debian raw disk (copy it, never change it), made first when missing. */
export const xfsDebianImage = onceUnlessFailed(make);

async function make(): Promise<string> {
  const source = await debianImage();
  const disk = source.replace(/\.raw$/, '-xfs.raw');
  if (existsSync(disk)) return disk;
  const partial = `${disk}.partial-${process.pid}`;
  const root = await findRootPartition(source);
  const loops: string[] = [];
  const mounts: string[] = [];
  const loop = async (file: string, ...flags: string[]) => {
    const args = ['--find', '--show', ...flags, '--offset', String(root.start), '--sizelimit', String(root.size), file];
    loops.push((await run('losetup', args)).stdout.trim());
    return loops.at(-1)!;
  };
  const mount = async (device: string, ...options: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-xfs-'));
    await run('mount', [...options, device, dir]);
    mounts.push(dir);
    return dir;
  };
  try {
    await run('cp', ['--sparse=always', '--reflink=auto', source, partial]);
    const ext = await loop(source, '--read-only');
    const xfs = await loop(partial);
    const uuid = (await run('blkid', ['-s', 'UUID', '-o', 'value', ext])).stdout.trim();
    const label = (await run('blkid', ['-s', 'LABEL', '-o', 'value', ext])).stdout.trim();
    await run('mkfs.xfs', ['-q', '-f', '-L', label, '-m', `uuid=${uuid},bigtime=0,inobtcount=0`, xfs]);
    const from = await mount(ext, '-o', 'ro');
    const to = await mount(xfs);
    await run('cp', ['-a', `${from}/.`, to]);
    await writeFile(join(to, 'etc', 'fstab'), `LABEL=${label} / xfs defaults 0 0\n`);
    await release(mounts, loops);
    // Only a disk whose file system is unmounted, so complete, takes the name other test files look for.
    await rename(partial, disk);
    return disk;
  } finally {
    await release(mounts, loops);
    await rm(partial, { force: true });
  }
}

async function release(mounts: string[], loops: string[]) {
  for (const dir of mounts.splice(0).reverse()) {
    await run('umount', [dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
  for (const device of loops.splice(0)) await run('losetup', ['--detach', device]).catch(() => {});
}
