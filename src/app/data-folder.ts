/**
 * The data folder is its owner's alone: it holds every secret of the install (keys, credentials,
 * the database of principals) and users' disks. So it is 0700, and every file Kiln writes in it is
 * 0600, but for the CA certificate `tls/ca.pem`: public by nature, it stays 0644 so that copies
 * handed to clients are readable by them.
 *
 * Installs made before this rule have 0755 folders and 0644 files: every start tightens the data
 * folder, its folders and the files Kiln knows by name (kiln.db and its -wal and -shm are the
 * SQLite store's, which tightens them itself). Nothing deeper needs a walk: no other user reaches
 * any path below a 0700 folder. Region folders, which may lie elsewhere (`regions[].dir` absolute),
 * are tightened by their stores when they open (fs-blob-store.ts).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeOwnerOnly } from '../adapters/owner-only.ts';

const FILES = ['config.json', 'admin-credentials.json', 'node-id'];
/** Folders whose every file is a key or a certificate. */
const KEY_FOLDERS = ['keys', 'tls'];
/** Folders of blobs, builds' work, caches and VMs' files: their contents are guarded by their own 0700. */
const CONTENT_FOLDERS = ['regions', 'work', 'cache', 'machines'];
const PUBLIC_FILES = new Set([join('tls', 'ca.pem')]);

export async function makeDataFolderPrivate(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await makeOwnerOnly(dataDir);
  const paths = [...FILES, ...KEY_FOLDERS, ...CONTENT_FOLDERS];
  for (const folder of KEY_FOLDERS) {
    const names = await namesIn(join(dataDir, folder));
    paths.push(...names.map((name) => join(folder, name)).filter((path) => !PUBLIC_FILES.has(path)));
  }
  for (const path of paths) await makeOwnerOnly(join(dataDir, path));
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
