/**
 * A Debian base image made from Debian's own packages with debootstrap, one that boots: a kernel,
 * GRUB for BIOS and UEFI, systemd, cloud-init and sshd (debian-cloud-tree.ts says how it is set up;
 * bootable-disk.ts how the disk is laid out). It is imported into the platform-image catalog as two
 * SKUs of one content, as Azure publishes Debian: Debian:debian-<release>:<release>:0.<yyyymmdd>.0
 * (Generation 1, BIOS) and …:<release>-gen2:… (Generation 2, UEFI).
 *
 * The debootstrap tree is cached (in the data folder's cache/ unless told otherwise) under a name
 * that carries the suite and the package set, so a second bootstrap skips the download and a tree
 * made with other packages is never taken for this one. debootstrap runs the packages' maintainer
 * scripts as root in a chroot of the host: content of Debian's archive, whose signatures it checks.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTABLE_ROOT_START_MIB, bootableDiskFromRootFs } from '../imaging/disk/bootable-disk.ts';
import { run } from '../imaging/disk/run.ts';
import type { PlatformImage } from '../domain/platform-images/catalog.ts';
import { configureDebianCloudTree, DEBIAN_KERNEL_ARGUMENTS, DEBIAN_ROOT_LABEL } from './debian-cloud-tree.ts';
import type { Kiln } from './kiln.ts';
import { bootstrapBaseImage } from './platform-images.ts';

/** Suites whose archive has every package below (bullseye's systemd still holds resolved: no systemd-resolved). */
const DEBIAN_RELEASES: Record<string, string> = { bookworm: '12', trixie: '13' };
const VARIANT = 'minbase';
/** What the minimal base gets to boot and be provisioned; debootstrap adds their dependencies. */
const PACKAGES = [
  ...['systemd-sysv', 'udev', 'dbus'],
  // Debian's kernel for virtual machines (virtio, Hyper-V) and GRUB's modules for both firmwares.
  ...['linux-image-cloud-amd64', 'grub-pc-bin', 'grub-efi-amd64-bin', 'grub2-common'],
  // networkd comes with systemd; resolved takes the DNS servers networkd learns by DHCP.
  'systemd-resolved',
  // growpart, for cloud-init to grow the root into a bigger disk.
  ...['cloud-init', 'cloud-guest-utils'],
  // debootstrap follows no virtual package: python3-cryptography's python3-cffi-backend-api-* are this one's.
  'python3-cffi-backend',
  ...['openssh-server', 'sudo'],
];
/** Names the tree a package set makes: a change of packages is a new cache entry. */
const TREE_KEY = createHash('sha256')
  .update(`${VARIANT} ${PACKAGES.join(',')}`)
  .digest('hex')
  .slice(0, 12);

export interface DebianBootstrap {
  dataDir: string;
  suite?: string;
  mirror?: string;
  sizeMiB?: number;
  /** Where debootstrap trees are kept; the data folder's cache/ by default. */
  cacheDir?: string;
  /** Keep the Debian images the catalog already has for this release instead of making them. */
  ifMissing?: boolean;
}

export async function bootstrapDebian(kiln: Kiln, options: DebianBootstrap): Promise<PlatformImage> {
  const suite = options.suite ?? 'bookworm';
  const release = DEBIAN_RELEASES[suite];
  if (!release)
    throw new Error(`unknown Debian suite '${suite}'; use one of ${Object.keys(DEBIAN_RELEASES).join(', ')}`);
  const offer = { publisher: 'Debian', offer: `debian-${release}` };
  return bootstrapBaseImage(
    kiln,
    [
      { ...offer, sku: release, hyperVGeneration: 'V1' },
      { ...offer, sku: `${release}-gen2`, hyperVGeneration: 'V2' },
    ],
    options.ifMissing === true,
    async (disk) => {
      const tree = await debootstrapped(options.cacheDir ?? join(options.dataDir, 'cache'), suite, options.mirror);
      await makeDebianDisk(tree, disk, options.sizeMiB);
    },
  );
}

/** Writes the bootable Debian disk to `output` from a debootstrap tree (which stays as it is). */
export async function makeDebianDisk(tree: string, output: string, sizeMiB?: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-debian-'));
  try {
    const root = join(work, 'root');
    // coreutils cp keeps what a root file system holds and Node's cp cannot copy: device nodes, owners.
    await run('cp', ['-a', '--reflink=auto', tree, root]);
    await configureDebianCloudTree(root);
    await bootableDiskFromRootFs(root, output, {
      sizeMiB: sizeMiB ?? BOOTABLE_ROOT_START_MIB + (await defaultRootSize(root)) + 1,
      label: DEBIAN_ROOT_LABEL,
      kernelArguments: DEBIAN_KERNEL_ARGUMENTS,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The suite's debootstrap tree, made once and cached in `cacheDir` (debootstrap writes a folder of
 * its own, renamed into place when done); trees of other package sets for the suite are removed.
 */
export async function debootstrapped(cacheDir: string, suite: string, mirror?: string): Promise<string> {
  const name = `debian-${suite}-${TREE_KEY}`;
  const cache = join(cacheDir, name);
  if (existsSync(join(cache, 'etc', 'debian_version'))) return cache;
  const partial = `${cache}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const from = mirror ?? 'http://deb.debian.org/debian';
  process.stderr.write(`debootstrap ${suite} from ${from} (cached in ${cache} for next time)\n`);
  await run('debootstrap', [`--variant=${VARIANT}`, `--include=${PACKAGES.join(',')}`, suite, partial, from]);
  await rename(partial, cache);
  for (const old of await readdir(cacheDir))
    if ((old === `debian-${suite}` || old.startsWith(`debian-${suite}-`)) && old !== name)
      await rm(join(cacheDir, old), { recursive: true, force: true });
  return cache;
}

/** Room for the tree and about as much again for what customizers install, at least 512 MiB. */
async function defaultRootSize(root: string): Promise<number> {
  const { stdout } = await run('du', ['-sm', root]);
  return Math.max(512, Math.ceil(Number(stdout.split(/\s/)[0]) * 2 + 64));
}
