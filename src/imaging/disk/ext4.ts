/**
 * ext2/3/4 file systems in a partition of a raw disk, with e2fsprogs alone: the check a root file
 * system passes before a build opens it in place (root-in-place.ts), and a new file system made
 * from a directory straight into a partition (`mkfs.ext4 -d -E offset=`, for the base images Kiln
 * makes), so nothing is mounted and no loop device is needed. Every tool runs confined (confine.ts)
 * to the disk file and the directory of its call.
 *
 * A damaged or crafted file system fails the check with a DamagedFileSystem that says what is wrong;
 * the confinement, not the check, is what keeps a crafted one that the check misses from reaching
 * anything but its own disk file.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DamagedFileSystem } from './damaged-fs.ts';
import { debugfs, extAccess, extImage, type ExtFs } from './debugfs.ts';
import type { RootPartition } from './partitions.ts';
import { EXT, sniffFileSystem } from './partitions.ts';
import { runConfined, ToolError } from './run.ts';

const MIB = 1024 * 1024;
/** Flags that describe a mounted or crashed file system's state, not how to make one. */
const STATE_FEATURES = new Set(['needs_recovery', 'orphan_present']);

interface ExtInfo {
  uuid: string;
  /** Empty when the file system has none. */
  label: string;
  features: string[];
  blockSize: number;
  blockCount: number;
  inodeCount: number;
  inodeSize: number;
}

const fsOf = (raw: string, partition: RootPartition): ExtFs => ({ file: raw, offset: partition.start });

async function readExtInfo(raw: string, partition: RootPartition, signal?: AbortSignal): Promise<ExtInfo> {
  const fs = fsOf(raw, partition);
  const { stdout } = await runConfined('dumpe2fs', ['-h', extImage(fs)], extAccess(fs), { signal });
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) fields.set(m[1], m[2].trim());
  }
  const field = (name: string) => {
    const value = fields.get(name);
    if (value === undefined)
      throw new Error(`dumpe2fs gave no "${name}" for the file system at ${partition.start} in ${raw}.`);
    return value;
  };
  const label = field('Filesystem volume name');
  return {
    uuid: field('Filesystem UUID'),
    label: label === '<none>' ? '' : label,
    features: field('Filesystem features')
      .split(/\s+/)
      .filter((f) => f !== '' && f !== '(none)'),
    blockSize: Number(field('Block size')),
    blockCount: Number(field('Block count')),
    inodeCount: Number(field('Inode count')),
    inodeSize: Number(field('Inode size')),
  };
}

/**
 * Checks the partition's file system before a build opens it (root-in-place.ts): its journal holds no
 * unreplayed writes, it fits its partition, and `e2fsck -fn` finds nothing wrong with it, unless
 * `passedBefore` (these very bytes passed it: checked-roots.ts).
 */
export async function checkRootFs(
  raw: string,
  partition: RootPartition,
  signal?: AbortSignal,
  passedBefore = false,
): Promise<void> {
  const info = await readExtInfo(raw, partition, signal).catch(damaged('dumpe2fs cannot read its superblock'));
  if (info.features.includes('needs_recovery')) {
    // Its journal holds writes the file system proper lacks; fuse2fs does not replay journals.
    throw new Error(
      `The file system at ${partition.start} in ${raw} was not cleanly unmounted (its journal needs recovery); shut the VM down cleanly or run e2fsck on it first.`,
    );
  }
  if (info.blockCount * info.blockSize > partition.size) {
    throw new Error(
      `The file system at ${partition.start} in ${raw} claims ${info.blockCount * info.blockSize} bytes but its partition has ${partition.size}.`,
    );
  }
  if (!passedBefore) await checkExtFs(raw, partition, signal).catch(damaged('e2fsck -fn found', e2fsckFindings));
}

/** A tool's refusal of the file system as a DamagedFileSystem; Kiln's own failures (a missing tool) pass through. */
const damaged =
  (what: string, findings = toolComplaint) =>
  (error: unknown): never => {
    throw error instanceof ToolError ? new DamagedFileSystem(`${what}: ${findings(error)}`) : error;
  };

/** What a tool said on stderr, without its version banner ("dumpe2fs 1.47.0 (5-Feb-2023)"). */
const toolComplaint = (error: ToolError) =>
  error.result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^[\w.]+ \d+\.\d+/.test(line))
    .join(' ');

/** e2fsck's report without its progress lines, its unanswered questions ("Fix? no") and its summary. */
function e2fsckFindings(error: ToolError): string {
  const noise = /^(e2fsck \d|Pass \d|.*WARNING: Filesystem still has errors|.*\bfiles \(.* non-contiguous\))/;
  const lines = error.result.stdout
    .split('\n')
    // A finding and its question often share a line ("Inode 94 ref count is 7, should be 1.  Fix? no").
    .map((line) => line.replace(/\s*[^.?!]*\? no$/, '').trim())
    .filter((line) => line !== '' && !noise.test(line));
  return lines.length > 0 ? lines.slice(0, 20).join(' ') : `exit ${error.exitCode}: ${error.result.stderr.trim()}`;
}

/**
 * Replaces the partition's file system with a new ext4 one holding `dir`, filling the partition.
 * It keeps the old file system's UUID and label (fstab and the bootloader find the root by them)
 * and its block size, inode size, bytes per inode and features (an older GRUB cannot read newer
 * ext4 features that this host's mkfs.ext4 would otherwise turn on). The root directory's owner and
 * mode come from `dir`. On failure the partition holds no usable file system: work on a copy.
 */
export async function writeRootFs(
  dir: string,
  raw: string,
  partition: RootPartition,
  options: { label?: string; uuid?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const { signal } = options;
  const root = await stat(dir);
  if (!root.isDirectory()) throw new Error(`${dir} is not a directory.`);
  const old =
    (await sniffFileSystem(raw, partition.start)) === EXT ? await readExtInfo(raw, partition, signal) : undefined;
  const label = options.label ?? old?.label;
  const uuid = options.uuid ?? old?.uuid;
  const args = [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-d',
    resolve(dir),
    '-E',
    `offset=${partition.start},root_owner=${root.uid}:${root.gid}`,
  ];
  // Reading every file of the tree, whoever owns it and whatever its mode, needs DAC_OVERRIDE.
  const readTree = { read: [dir], capabilities: ['DAC_OVERRIDE'] } as const;
  if (label) args.push('-L', label);
  if (uuid) args.push('-U', uuid);
  if (old) {
    const ratio = Math.floor((old.blockCount * old.blockSize) / old.inodeCount);
    const bytesPerInode = Math.min(Math.max(ratio, 1024), 64 * MIB); // the range mke2fs takes
    const features = ['none', ...old.features.filter((f) => !STATE_FEATURES.has(f))].join(',');
    args.push('-b', String(old.blockSize), '-I', String(old.inodeSize), '-i', String(bytesPerInode), '-O', features);
  }
  // mkfs's size argument is in KiB; it writes nothing past it, so the rest of the disk is untouched.
  args.push(resolve(raw), `${Math.floor(partition.size / 1024)}k`);
  try {
    await runConfined('mkfs.ext4', args, { ...readTree, write: [raw] }, { signal });
  } catch (err) {
    if (err instanceof ToolError && /Could not allocate (block|inode)/.test(err.result.stderr)) {
      const used = Number(
        (await runConfined('du', ['-s', '-x', '-B1', '--', resolve(dir)], readTree, { signal })).stdout.split('\t')[0],
      );
      throw new Error(
        `The root file system in ${dir} (${(used / MIB).toFixed(1)} MiB) does not fit its ` +
          `${(partition.size / MIB).toFixed(1)} MiB partition at ${partition.start} in ${raw}: ${err.result.stderr.trim()}`,
      );
    }
    throw err;
  }
  // mke2fs makes the root directory 0755 whatever `dir` is.
  if ((root.mode & 0o7777) !== 0o755) {
    await debugfs(fsOf(raw, partition), [`set_inode_field <2> mode 0${(root.mode & 0o177777).toString(8)}`], {
      write: true,
      signal,
    });
  }
}

/**
 * The check a built root file system passes once fuse2fs has written it back: a failure is a fault in
 * the writer (or an image crafted to make it one), never the user's, and the image is not published.
 */
export async function checkBuiltRootFs(raw: string, partition: RootPartition, signal?: AbortSignal): Promise<void> {
  await checkExtFs(raw, partition, signal).catch((error: unknown) => {
    throw error instanceof ToolError
      ? new Error(`The built root file system fails e2fsck -fn, so it is not published: ${e2fsckFindings(error)}`)
      : error;
  });
}

/** `e2fsck -fn`: a full, read-only check; throws with its report when it finds anything wrong. */
export async function checkExtFs(raw: string, partition: RootPartition, signal?: AbortSignal): Promise<void> {
  const fs = fsOf(raw, partition);
  await runConfined('e2fsck', ['-fn', extImage(fs)], extAccess(fs), { signal });
}
