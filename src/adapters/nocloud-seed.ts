/**
 * cloud-init's NoCloud data source as a drive: a small FAT file system labelled CIDATA holding
 * `meta-data` and `user-data`, which cloud-init finds by its label at first boot. Made with
 * dosfstools and mtools on a plain file: no mount, no loop device. The content is Kiln's own
 * (never the image's), so the tools run unconfined.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NoCloudSeed } from '../ports/vm-driver.ts';

const run = promisify(execFile);

/** FAT's smallest comfortable size; the seed holds a few kilobytes. */
const SEED_KIB = 1024;

/** Writes the seed drive into `dir` (which must be empty of these names) and returns its path. */
export async function writeNoCloudSeed(dir: string, seed: NoCloudSeed): Promise<string> {
  const image = join(dir, 'seed.img');
  const metaData = join(dir, 'meta-data');
  const userData = join(dir, 'user-data');
  await writeFile(metaData, seed.metaData, { mode: 0o600 });
  await writeFile(userData, seed.userData, { mode: 0o600 });
  await run('mkfs.vfat', ['-C', '-n', 'CIDATA', image, String(SEED_KIB)]);
  await run('mcopy', ['-i', image, metaData, userData, '::/']);
  return image;
}
