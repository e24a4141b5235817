/**
 * A Debian base image made from Debian's own packages with debootstrap, so a fresh install has a
 * real distribution to build on: a minimal root file system, given the files a generalizer and a
 * boot expect (fstab by label, hostname, an empty machine-id), on a dos-partitioned ext4 disk, then
 * imported into the platform-image catalog as Debian:debian-<release>:<release>:0.<yyyymmdd>.0.
 * The debootstrap tree is cached in the data folder, so a second bootstrap skips the download.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { diskFromRootFs } from '../imaging/disk/base-image.ts';
import { run } from '../imaging/disk/run.ts';
import type { PlatformImage } from '../domain/platform-images/catalog.ts';
import type { Kiln } from './kiln.ts';
import { bootstrapBaseImage } from './platform-images.ts';

const DEBIAN_RELEASES: Record<string, string> = { bookworm: '12', trixie: '13', bullseye: '11' };

export interface DebianBootstrap {
  dataDir: string;
  suite?: string;
  mirror?: string;
  sizeMiB?: number;
  /** The debootstrap program (a stand-in in tests, which may not reach the network). */
  debootstrap?: string;
  /** Keep the Debian image the catalog already has for this release instead of making one. */
  ifMissing?: boolean;
}

export async function bootstrapDebian(kiln: Kiln, options: DebianBootstrap): Promise<PlatformImage> {
  const suite = options.suite ?? 'bookworm';
  const release = DEBIAN_RELEASES[suite];
  if (!release)
    throw new Error(`unknown Debian suite '${suite}'; use one of ${Object.keys(DEBIAN_RELEASES).join(', ')}`);
  return bootstrapBaseImage(
    kiln,
    { publisher: 'Debian', offer: `debian-${release}`, sku: release },
    options.ifMissing === true,
    async (disk) => {
      const cache = await debootstrapped(options.dataDir, suite, options);
      const root = join(dirname(disk), 'root');
      // coreutils cp keeps what a root file system holds and Node's cp cannot copy: device nodes, owners.
      await run('cp', ['-a', '--reflink=auto', cache, root]);
      await writeFile(join(root, 'etc', 'fstab'), 'LABEL=debian-root / ext4 defaults,errors=remount-ro 0 1\n');
      await writeFile(join(root, 'etc', 'hostname'), 'debian\n');
      await writeFile(join(root, 'etc', 'machine-id'), '');
      await rm(join(root, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
      await mkdir(join(root, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
      await diskFromRootFs(root, disk, options.sizeMiB ?? (await defaultSize(root)), 'debian-root');
    },
  );
}

/** The suite's debootstrap tree, made once and cached in the data folder. */
async function debootstrapped(
  dataDir: string,
  suite: string,
  options: Pick<DebianBootstrap, 'mirror' | 'debootstrap'>,
): Promise<string> {
  const cache = join(dataDir, 'cache', `debian-${suite}`);
  if (existsSync(join(cache, 'etc', 'debian_version'))) return cache;
  const partial = `${cache}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const mirror = options.mirror ?? 'http://deb.debian.org/debian';
  process.stderr.write(`debootstrap ${suite} from ${mirror} (cached in ${cache} for next time)\n`);
  await run(options.debootstrap ?? 'debootstrap', ['--variant=minbase', suite, partial, mirror]);
  await rename(partial, cache);
  return cache;
}

/** Room for the tree and about as much again for what customizers install, at least 512 MiB. */
async function defaultSize(root: string): Promise<number> {
  const { stdout } = await run('du', ['-sm', root]);
  return Math.max(512, Math.ceil(Number(stdout.split(/\s/)[0]) * 2 + 64));
}
