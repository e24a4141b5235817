/**
 * A Debian base image made from Debian's own packages with debootstrap, so a fresh install has a
 * real distribution to build on: a minimal root file system, given the files a generalizer and a
 * boot expect (fstab by label, hostname, an empty machine-id), on a dos-partitioned ext4 disk, then
 * imported into the platform-image catalog as Debian:debian-<release>:<release>:0.<yyyymmdd>.0.
 * The debootstrap tree is cached in the data folder, so a second bootstrap skips the download.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskFromRootFs } from '../build/disk/base-image.ts';
import { run } from '../build/disk/run.ts';
import type { PlatformImage } from '../domain/platform-images/catalog.ts';
import type { Kiln } from './kiln.ts';
import { importPlatformImage } from './platform-images.ts';

export const DEBIAN_RELEASES: Record<string, string> = { bookworm: '12', trixie: '13', bullseye: '11' };

export interface DebianBootstrap {
  dataDir: string;
  suite?: string;
  mirror?: string;
  sizeMiB?: number;
  /** The debootstrap program (a stand-in in tests, which may not reach the network). */
  debootstrap?: string;
}

export async function bootstrapDebian(kiln: Kiln, options: DebianBootstrap): Promise<PlatformImage> {
  const suite = options.suite ?? 'bookworm';
  const release = DEBIAN_RELEASES[suite];
  if (!release) throw new Error(`unknown Debian suite '${suite}'; use one of ${Object.keys(DEBIAN_RELEASES).join(', ')}`);
  const cache = join(options.dataDir, 'cache', `debian-${suite}`);
  if (!existsSync(join(cache, 'etc', 'debian_version'))) {
    const partial = `${cache}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    process.stderr.write(`debootstrap ${suite} from ${options.mirror ?? 'http://deb.debian.org/debian'} (cached in ${cache} for next time)\n`);
    await run(options.debootstrap ?? 'debootstrap', ['--variant=minbase', suite, partial, options.mirror ?? 'http://deb.debian.org/debian']);
    await rename(partial, cache);
  }
  const work = await mkdtemp(join(tmpdir(), 'kiln-debian-'));
  try {
    const root = join(work, 'root');
    // coreutils cp keeps what a root file system holds and Node's cp cannot copy: device nodes, owners.
    await run('cp', ['-a', '--reflink=auto', cache, root]);
    await writeFile(join(root, 'etc', 'fstab'), 'LABEL=debian-root / ext4 defaults,errors=remount-ro 0 1\n');
    await writeFile(join(root, 'etc', 'hostname'), 'debian\n');
    await writeFile(join(root, 'etc', 'machine-id'), '');
    await rm(join(root, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    await mkdir(join(root, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
    const sizeMiB = options.sizeMiB ?? (await defaultSize(root));
    const disk = join(work, 'debian.raw');
    await diskFromRootFs(root, disk, sizeMiB, 'debian-root');
    const today = kiln.domain.clock.now().toISOString().slice(0, 10).replaceAll('-', '');
    return await importPlatformImage(kiln, { publisher: 'Debian', offer: `debian-${release}`, sku: release, version: `0.${today}.0`, file: disk, replace: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Room for the tree and about as much again for what customizers install, at least 512 MiB. */
async function defaultSize(root: string): Promise<number> {
  const { stdout } = await run('du', ['-sm', root]);
  return Math.max(512, Math.ceil(Number(stdout.split(/\s/)[0]) * 2 + 64));
}
