/**
 * The bootstrapped Debian 12, made with the product's own code (app/debian-base.ts: debootstrap of
 * Debian's packages, then the bootable GPT disk with GRUB for BIOS and UEFI, cloud-init and sshd),
 * for tests and benchmarks that boot a real distribution (the validate stage, the VM build mode).
 *
 * Made once per RECIPE and product package set on this machine, and cached in ~/.cache/kiln-test:
 * the debootstrap tree in debootstrap/ (the product's cache, which `--cache` can name), the raw disk
 * beside it. While one test process makes them, an exclusive flock(1) on a lock file makes the others
 * wait (the kernel drops it when its holder dies, so a killed run leaves no stale lock); the disk is
 * written under a temporary name and renamed into place. Callers never change the cached disk: VMs
 * boot it with snapshot=on, and builds work on a copy (`cp --reflink=auto`).
 *
 * Making it needs root (debootstrap), Debian's mirror the first time (about 80 s here) and the tools
 * scripts/setup.sh installs (debootstrap, grub-pc-bin, grub-efi-amd64-bin, dosfstools, mtools).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { debootstrapped, makeDebianDisk } from '../../src/app/debian-base.ts';
import { onceUnlessFailed } from './once.ts';

/** Bump when the way the product makes the disk changes, so every cache makes a new one. */
const RECIPE = 4;
const SUITE = 'bookworm';
const CACHE = join(homedir(), '.cache', 'kiln-test');
/** The product's debootstrap cache folder for tests: `kiln platform-image bootstrap debian --cache` takes it. */
export const DEBIAN_TREE_CACHE = join(CACHE, 'debootstrap');

/** The cached bootable Debian raw disk (copy it, never change it), made first when missing. */
export const debianImage = onceUnlessFailed(() => underLock(join(CACHE, 'debian-image.lock'), cachedOrMade));

async function cachedOrMade(): Promise<string> {
  const tree = await debootstrapped(DEBIAN_TREE_CACHE, SUITE);
  // The tree's name carries the product's package set, so a new set makes a new disk.
  const disk = join(CACHE, `debian-12-r${RECIPE}-${basename(tree)}.raw`);
  if (existsSync(disk)) return disk;
  const partial = `${disk}.partial-${randomBytes(6).toString('hex')}`;
  try {
    await makeDebianDisk(tree, partial);
    await rename(partial, disk);
    return disk;
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Runs `work` holding an exclusive flock on `path`: flock(1) takes it, then `cat` keeps it until its
 * stdin closes, which this process does when done, or the kernel does when this process dies.
 */
async function underLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  await mkdir(CACHE, { recursive: true });
  const holder = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => holder.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: holder.stdout }).once('line', () => resolve());
      holder.once('error', reject);
      void exited.then(() => reject(new Error(`flock ${path} ended before it took the lock`)));
    });
    return await work();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
