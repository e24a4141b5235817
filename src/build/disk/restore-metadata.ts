/**
 * debugfs `rdump` copies files, directories and symlinks with their permission bits, owners and
 * times, but drops the rest of what a root file system needs: setuid, setgid and sticky bits (its
 * mode table has rwx only, and its chown after chmod would clear setuid anyway), device nodes and
 * FIFOs (skipped), hard links (each name becomes its own copy) and symlink owners. This puts them
 * back from a listing of every inode, made one directory level per debugfs session.
 */
import type { Stats } from 'node:fs';
import { chmod, chown, lchown, link, lstat, rm, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { debugfs } from './debugfs.ts';
import { run } from './run.ts';

interface Entry {
  /** Relative to the file system's root. */
  path: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const SPECIAL_BITS = 0o7000;
const ROOT_INODE = 2;

/** One line of `ls -p`: /inode/mode in octal/uid/gid/name/size/ (a name cannot hold "/"). */
const LS_LINE = /^\/(\d+)\/([0-7]+)\/(\d+)\/(\d+)\/([^/]*)\/(\d*)\/$/;

function parseListing(image: string, output: string): (Omit<Entry, 'path'> & { name: string })[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = LS_LINE.exec(line);
      if (!m) throw new Error(`Cannot read debugfs's listing of ${image}: ${JSON.stringify(line)}.`);
      return { ino: Number(m[1]), mode: parseInt(m[2], 8), uid: Number(m[3]), gid: Number(m[4]), name: m[5] };
    })
    .filter((e) => e.ino !== 0); // unused directory slots
}

/** Every inode reachable from the root, breadth first, and the root directory itself. */
async function listTree(image: string): Promise<{ root: Entry; entries: Entry[] }> {
  const entries: Entry[] = [];
  let root: Entry | undefined;
  const seenDirs = new Set([ROOT_INODE]);
  let level = [{ ino: ROOT_INODE, path: '' }];
  while (level.length > 0) {
    const listings = await debugfs(image, level.map((dir) => `ls -p <${dir.ino}>`));
    const next: typeof level = [];
    level.forEach((dir, i) => {
      for (const { name, ...entry } of parseListing(image, listings[i])) {
        if (name === '.' && dir.ino === ROOT_INODE) root = { ...entry, path: '' };
        if (name === '.' || name === '..') continue;
        const path = join(dir.path, name);
        entries.push({ ...entry, path });
        if ((entry.mode & S_IFMT) !== S_IFDIR) continue;
        if (seenDirs.has(entry.ino)) throw new Error(`${image} is damaged: directory inode ${entry.ino} has two names.`);
        seenDirs.add(entry.ino);
        next.push({ ino: entry.ino, path });
      }
    });
    level = next;
  }
  if (!root) throw new Error(`${image} is damaged: its root directory has no "." entry.`);
  return { root, entries };
}

/** Seconds since the epoch of an inode time in `stat` output ("mtime: 0x5f5e1000:00000000 -- …"). */
function inodeTime(image: string, stat: string, field: 'atime' | 'mtime'): number {
  const m = new RegExp(`^\\s*${field}: 0x([0-9a-f]+)`, 'm').exec(stat);
  if (!m) throw new Error(`debugfs gave no ${field} in its stat of an inode of ${image}.`);
  return parseInt(m[1], 16);
}

async function makeNodes(image: string, dir: string, nodes: Entry[]): Promise<void> {
  if (nodes.length === 0) return;
  const stats = await debugfs(image, nodes.map((node) => `stat <${node.ino}>`));
  for (const [i, node] of nodes.entries()) {
    const path = join(dir, node.path);
    const type = node.mode & S_IFMT;
    let args = [path, 'p'];
    if (type !== S_IFIFO) {
      const m = /Device major\/minor number: (\d+):(\d+)/.exec(stats[i]);
      if (!m) throw new Error(`debugfs gave no device number for /${node.path} in ${image}.`);
      // debugfs pads with zeros ("08:00"), which mknod would read as octal.
      args = [path, type === S_IFCHR ? 'c' : 'b', String(Number(m[1])), String(Number(m[2]))];
    }
    // Node has no mknod; coreutils' does it.
    await run('mknod', ['--', ...args]);
    await chown(path, node.uid, node.gid);
    await chmod(path, node.mode & 0o7777);
    await utimes(path, inodeTime(image, stats[i], 'atime'), inodeTime(image, stats[i], 'mtime'));
  }
}

/** Completes a directory `rdump` filled from `image` (see the top of this file). */
export async function restoreWhatRdumpDrops(image: string, dir: string): Promise<void> {
  const { root, entries } = await listTree(image);
  // Linking and making nodes bumps their directory's times, which rdump had set; keep the originals.
  const dirTimes = new Map<string, Stats>();
  const keepDirTimes = async (path: string) => {
    const parent = dirname(path);
    if (!dirTimes.has(parent)) dirTimes.set(parent, await lstat(parent));
  };
  const firstName = new Map<number, string>();
  const nodes: Entry[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.path);
    switch (entry.mode & S_IFMT) {
      case S_IFREG: {
        const first = firstName.get(entry.ino);
        if (first !== undefined) {
          await keepDirTimes(path);
          await rm(path);
          await link(first, path);
          break;
        }
        firstName.set(entry.ino, path);
        if (entry.mode & SPECIAL_BITS) await chmod(path, entry.mode & 0o7777);
        break;
      }
      case S_IFDIR:
        if (entry.mode & SPECIAL_BITS) await chmod(path, entry.mode & 0o7777);
        break;
      case S_IFLNK:
        // rdump makes symlinks as the caller, root; only others need an owner.
        if (entry.uid !== 0 || entry.gid !== 0) await lchown(path, entry.uid, entry.gid);
        break;
      case S_IFCHR:
      case S_IFBLK:
      case S_IFIFO:
        await keepDirTimes(path);
        nodes.push(entry);
        break;
      // Sockets stay out: one only means something while a process listens on it.
    }
  }
  await makeNodes(image, dir, nodes);
  for (const [path, stats] of dirTimes) await utimes(path, stats.atime, stats.mtime);
  await chown(dir, root.uid, root.gid);
  await chmod(dir, root.mode & 0o7777);
}
