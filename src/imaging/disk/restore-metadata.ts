/**
 * debugfs `rdump` copies files, directories and symlinks with their permission bits, owners and
 * times, but drops the rest of what a root file system needs: setuid, setgid and sticky bits (its
 * mode table has rwx only, and its chown after chmod would clear setuid anyway), device nodes and
 * FIFOs (skipped), hard links (each name becomes its own copy) and symlink owners. This puts them
 * back from a listing of every inode, made one directory level per debugfs session.
 *
 * Names come from the image, so nothing here trusts them. Every name is checked (no "/", not "."
 * or "..", not empty; a line of the listing that does not parse is refused), and before Kiln acts
 * on a path on the host (chmod, chown, link, rm, utimes) every folder on the way is checked to be a
 * real folder, not a symlink, and the entry itself to have the type the listing gives: a crafted
 * tree cannot point one of these at anything outside `dir`. The checks are not raced: no other
 * process touches `dir` until extraction ends. Making device nodes runs confined to `dir` (mknod is
 * a program), so it could not escape either way. Acting on the host instead of moving all of this
 * into a confined process keeps it one Node module with one debugfs listing, at the price of these
 * checks; there are few such entries (hard links, setuid files, nodes), so the checks cost little.
 */
import type { Stats } from 'node:fs';
import { chmod, chown, lchown, link, lstat, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { DamagedFileSystem } from './damaged-fs.ts';
import { debugfs, type ExtFs } from './debugfs.ts';
import { runConfined } from './run.ts';

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

function parseListing(output: string): (Omit<Entry, 'path'> & { name: string })[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = LS_LINE.exec(line);
      // A name holding "/" (or a newline) gives a line of another shape.
      if (!m) throw new DamagedFileSystem(`a directory entry's name cannot be a file name: ${JSON.stringify(line)}.`);
      return { ino: Number(m[1]), mode: parseInt(m[2], 8), uid: Number(m[3]), gid: Number(m[4]), name: m[5] };
    })
    .filter((e) => e.ino !== 0); // unused directory slots
}

/** Every inode reachable from the root, breadth first, and the root directory itself. */
async function listTree(image: ExtFs, signal?: AbortSignal): Promise<{ root: Entry; entries: Entry[] }> {
  const entries: Entry[] = [];
  let root: Entry | undefined;
  const seenDirs = new Set([ROOT_INODE]);
  let level = [{ ino: ROOT_INODE, path: '' }];
  while (level.length > 0) {
    const listings = await debugfs(
      image,
      level.map((dir) => `ls -p <${dir.ino}>`),
      { signal },
    );
    const next: typeof level = [];
    level.forEach((dir, i) => {
      for (const { name, ...entry } of parseListing(listings[i])) {
        if (name === '.' && dir.ino === ROOT_INODE) root = { ...entry, path: '' };
        if (name === '.' || name === '..') continue;
        if (name === '') throw new DamagedFileSystem(`/${dir.path} holds an entry with an empty name.`);
        const path = dir.path === '' ? name : `${dir.path}/${name}`;
        entries.push({ ...entry, path });
        if ((entry.mode & S_IFMT) !== S_IFDIR) continue;
        if (seenDirs.has(entry.ino))
          throw new DamagedFileSystem(`directory inode ${entry.ino} has two names (the second is /${path}).`);
        seenDirs.add(entry.ino);
        next.push({ ino: entry.ino, path });
      }
    });
    level = next;
  }
  if (!root) throw new DamagedFileSystem('its root directory has no "." entry.');
  return { root, entries };
}

/** Seconds since the epoch of an inode time in `stat` output ("mtime: 0x5f5e1000:00000000 -- …"). */
function inodeTime(stat: string, field: 'atime' | 'mtime'): number {
  const m = new RegExp(`^\\s*${field}: 0x([0-9a-f]+)`, 'm').exec(stat);
  if (!m) throw new DamagedFileSystem(`debugfs gave no ${field} in its stat of an inode.`);
  return parseInt(m[1], 16);
}

type Kind = 'file' | 'folder' | 'link' | 'node' | 'missing' | 'other';

function kindOf(stats: Stats | undefined): Kind {
  if (!stats) return 'missing';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'link';
  return stats.isCharacterDevice() || stats.isBlockDevice() || stats.isFIFO() ? 'node' : 'other';
}

/**
 * Host paths inside `dir`, each handed out only once every folder on its way has been seen to be a
 * real folder (lstat: a symlink is not one) and the entry itself to be of the expected kind.
 */
function treeWalker(dir: string) {
  const folders = new Set<string>(['']);
  const check = async (path: string, expected: Kind): Promise<string> => {
    const host = join(dir, path);
    const found = kindOf(await lstat(host).catch(() => undefined));
    if (found !== expected)
      throw new DamagedFileSystem(
        `/${path} was extracted as ${found === 'missing' ? 'nothing' : `a ${found}`}, but its listing says ${expected === 'missing' ? 'nothing is there' : `a ${expected}`}.`,
      );
    return host;
  };
  const checkFolder = async (path: string): Promise<void> => {
    if (folders.has(path)) return;
    await checkFolder(parentOf(path));
    await check(path, 'folder');
    folders.add(path);
  };
  return {
    /** The host path of `path`, an entry of kind `expected` in a real folder of the tree. */
    async path(path: string, expected: Kind): Promise<string> {
      await checkFolder(parentOf(path));
      return check(path, expected);
    },
    /** The host path of the real folder holding `path`. */
    async parent(path: string): Promise<string> {
      await checkFolder(parentOf(path));
      return join(dir, parentOf(path));
    },
  };
}

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

async function makeNodes(
  image: ExtFs,
  dir: string,
  tree: ReturnType<typeof treeWalker>,
  nodes: Entry[],
  signal?: AbortSignal,
): Promise<void> {
  if (nodes.length === 0) return;
  const stats = await debugfs(
    image,
    nodes.map((node) => `stat <${node.ino}>`),
    { signal },
  );
  for (const [i, node] of nodes.entries()) {
    const path = await tree.path(node.path, 'missing'); // rdump skips nodes
    const type = node.mode & S_IFMT;
    let args = [path, 'p'];
    if (type !== S_IFIFO) {
      const m = /Device major\/minor number: (\d+):(\d+)/.exec(stats[i]);
      if (!m) throw new DamagedFileSystem(`debugfs gave no device number for /${node.path}.`);
      // debugfs pads with zeros ("08:00"), which mknod would read as octal.
      args = [path, type === S_IFCHR ? 'c' : 'b', String(Number(m[1])), String(Number(m[2]))];
    }
    // Node has no mknod; coreutils' does it, confined to the tree.
    await runConfined('mknod', ['--', ...args], { write: [dir], capabilities: ['MKNOD', 'DAC_OVERRIDE'] }, { signal });
    await tree.path(node.path, 'node');
    await chown(path, node.uid, node.gid);
    await chmod(path, node.mode & 0o7777);
    await utimes(path, inodeTime(stats[i], 'atime'), inodeTime(stats[i], 'mtime'));
  }
}

/** Completes a directory `rdump` filled from `image` (see the top of this file). */
export async function restoreWhatRdumpDrops(image: ExtFs, dir: string, signal?: AbortSignal): Promise<void> {
  const { root, entries } = await listTree(image, signal);
  const tree = treeWalker(dir);
  // Linking and making nodes bumps their directory's times, which rdump had set; keep the originals.
  const dirTimes = new Map<string, Stats>();
  const keepDirTimes = async (path: string) => {
    const parent = await tree.parent(path);
    if (!dirTimes.has(parent)) dirTimes.set(parent, await lstat(parent));
  };
  const firstName = new Map<number, string>();
  const nodes: Entry[] = [];
  for (const entry of entries) {
    switch (entry.mode & S_IFMT) {
      case S_IFREG: {
        const first = firstName.get(entry.ino);
        if (first !== undefined) {
          const path = await tree.path(entry.path, 'file');
          await keepDirTimes(entry.path);
          await rm(path);
          await link(await tree.path(first, 'file'), path);
          break;
        }
        firstName.set(entry.ino, entry.path);
        if (entry.mode & SPECIAL_BITS) await chmod(await tree.path(entry.path, 'file'), entry.mode & 0o7777);
        break;
      }
      case S_IFDIR:
        if (entry.mode & SPECIAL_BITS) await chmod(await tree.path(entry.path, 'folder'), entry.mode & 0o7777);
        break;
      case S_IFLNK:
        // rdump makes symlinks as the caller, root; only others need an owner. lchown never follows the link.
        if (entry.uid !== 0 || entry.gid !== 0) await lchown(await tree.path(entry.path, 'link'), entry.uid, entry.gid);
        break;
      case S_IFCHR:
      case S_IFBLK:
      case S_IFIFO:
        await keepDirTimes(entry.path);
        nodes.push(entry);
        break;
      // Sockets stay out: one only means something while a process listens on it.
    }
  }
  await makeNodes(image, dir, tree, nodes, signal);
  for (const [path, stats] of dirTimes) await utimes(path, stats.atime, stats.mtime);
  await chown(dir, root.uid, root.gid);
  await chmod(dir, root.mode & 0o7777);
}
