/**
 * Finds the Linux root file system inside a raw disk: the partition table through `sfdisk --json`,
 * then the file system by its magic number, so the caller learns exactly what the disk holds when
 * it is not something Kiln can open in place. sfdisk runs confined (confine.ts) to reading the disk.
 */
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runConfined, ToolError } from './run.ts';

export type PartitionTable = 'gpt' | 'dos' | 'none';

/** A partition, in bytes from the start of the disk. */
export interface Partition {
  /** sfdisk's number: 1-4 primary, 5 and up logical (dos). */
  number: number;
  start: number;
  size: number;
  /** sfdisk's type: a GPT type GUID (upper case) or a dos type byte in hex ("83"). */
  type: string;
}

export interface RootPartition {
  /** Byte offset of the file system in the raw disk. */
  start: number;
  /** Bytes the file system may use. */
  size: number;
  /** The partition type, or "none" for a disk that is a bare file system. */
  type: string;
  table: PartitionTable;
}

const GPT_LINUX_FILESYSTEM = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
/** The Discoverable Partitions Specification's root types, which say "this is /" outright. */
const GPT_LINUX_ROOT = new Set([
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', // x86-64
  '44479540-F297-41B2-9AF7-D131D5F0458A', // x86
  'B921B045-1DF0-41C3-AF44-4C6F280D3FAE', // arm64
  '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3', // arm
  '72EC70A6-CF74-40E6-BD49-4BDA08E8F224', // riscv64
]);
const DOS_LINUX = '83';

const MIB = 1024 * 1024;
export const EXT = 'ext2/3/4';

interface SfdiskJson {
  partitiontable: {
    label: string;
    device: string;
    sectorsize?: number;
    partitions?: { node: string; start: number; size: number; type: string }[];
  };
}

/**
 * The name sfdisk gives partition `number` of the disk file `device`: a name ending in a digit
 * takes a `p` before the number (`disk-7p1`, as Linux names `nvme0n1p1`), others none (`disk.raw1`).
 * sfdisk reads a script's partition numbers from these names, so `<name ending in a digit>1` is
 * partition 71 or out of range, not 1.
 */
export const partitionName = (device: string, number: number) => `${device}${/\d$/.test(device) ? 'p' : ''}${number}`;

/** The number in a partition's name from sfdisk (`partitionName`'s inverse). */
const partitionNumber = (device: string, node: string) => Number(node.slice(device.length).replace(/^p/, ''));

/** The disk's partitions, or undefined when it has no partition table at all. */
export async function readPartitionTable(
  raw: string,
  signal?: AbortSignal,
): Promise<{ table: 'gpt' | 'dos'; partitions: Partition[] } | undefined> {
  let json: SfdiskJson;
  try {
    json = JSON.parse(
      (await runConfined('sfdisk', ['--json', resolve(raw)], { read: [raw] }, { signal })).stdout,
    ) as SfdiskJson;
  } catch (err) {
    if (err instanceof ToolError && err.result.stderr.includes('does not contain a recognized partition table')) {
      return undefined;
    }
    throw err;
  }
  const { label, device, sectorsize = 512, partitions = [] } = json.partitiontable;
  if (label !== 'gpt' && label !== 'dos') {
    throw new Error(`${raw} has a "${label}" partition table; Kiln reads gpt and dos (MBR) tables.`);
  }
  return {
    table: label,
    partitions: partitions.map((p) => ({
      number: partitionNumber(device, p.node),
      start: p.start * sectorsize,
      size: p.size * sectorsize,
      type: p.type.toUpperCase(),
    })),
  };
}

/** Magic numbers of what a root partition might hold instead of ext2/3/4, for the error message. */
const SIGNATURES: { name: string; offset: number; magic: Buffer }[] = [
  { name: EXT, offset: 1080, magic: Buffer.from([0x53, 0xef]) },
  { name: 'xfs', offset: 0, magic: Buffer.from('XFSB') },
  { name: 'btrfs', offset: 0x10040, magic: Buffer.from('_BHRfS_M') },
  { name: 'LVM2 physical volume', offset: 512 + 24, magic: Buffer.from('LVM2 001') },
  { name: 'LUKS encrypted volume', offset: 0, magic: Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]) },
  { name: 'swap', offset: 4086, magic: Buffer.from('SWAPSPACE2') },
  { name: 'vfat', offset: 0x52, magic: Buffer.from('FAT32') },
  { name: 'vfat', offset: 0x36, magic: Buffer.from('FAT1') },
];
/** Roots a build cannot open in place: only a booted system can change them. */
const NEEDS_VM_BUILD = new Set(['xfs', 'btrfs', 'LVM2 physical volume', 'LUKS encrypted volume']);
const VM_BUILD_HINT =
  ' Kiln opens only ext2/3/4 root file systems in place; a root on xfs, btrfs, LVM or LUKS is built ' +
  'inside the booted image (the VM build mode), which needs an image that boots with cloud-init and sshd.';

/** A disk whose root only a booted system can change: builds run its customizers in the VM. */
export class NeedsVmBuild extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NeedsVmBuild';
  }
}
const SNIFF_BYTES = Math.max(...SIGNATURES.map((s) => s.offset + s.magic.length));

/** What file system starts at `start`, or undefined when nothing known does. */
export async function sniffFileSystem(raw: string, start: number): Promise<string | undefined> {
  const file = await open(raw, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, start);
    return SIGNATURES.find(
      (s) =>
        s.offset + s.magic.length <= bytesRead && head.subarray(s.offset, s.offset + s.magic.length).equals(s.magic),
    )?.name;
  } finally {
    await file.close();
  }
}

function isLinuxType(table: 'gpt' | 'dos', type: string): boolean {
  return table === 'dos' ? type === DOS_LINUX : type === GPT_LINUX_FILESYSTEM || GPT_LINUX_ROOT.has(type);
}

const mib = (bytes: number) => `${Number((bytes / MIB).toFixed(1))} MiB`;

/**
 * The partition holding the ext2/3/4 root: a GPT root-typed partition first, then the largest Linux
 * (GPT Linux filesystem, dos 83) one; a disk that is one bare ext file system is `table: 'none'`.
 */
export async function findRootPartition(raw: string, signal?: AbortSignal): Promise<RootPartition> {
  const diskSize = (await stat(raw)).size;
  const layout = await readPartitionTable(raw, signal);
  if (!layout) {
    const fs = await sniffFileSystem(raw, 0);
    if (fs === EXT) return { start: 0, size: diskSize, type: 'none', table: 'none' };
    const message =
      `${raw} has no partition table and ${fs ? `holds ${fs}` : 'no file system Kiln recognizes'} at offset 0; ` +
      `Kiln needs an ext2/3/4 root file system.`;
    throw fs && NEEDS_VM_BUILD.has(fs) ? new NeedsVmBuild(message + VM_BUILD_HINT) : new Error(message);
  }
  const found = await Promise.all(
    layout.partitions.map(async (p) => ({
      ...p,
      fs:
        p.start + p.size > diskSize
          ? 'a partition reaching past the end of the file'
          : await sniffFileSystem(raw, p.start),
    })),
  );
  const [root] = found
    .filter((p) => p.fs === EXT && isLinuxType(layout.table, p.type))
    .sort((a, b) => Number(GPT_LINUX_ROOT.has(b.type)) - Number(GPT_LINUX_ROOT.has(a.type)) || b.size - a.size);
  if (!root) {
    const seen = found.map((p) => `${p.number} (type ${p.type}, ${mib(p.size)}, ${p.fs ?? 'no known file system'})`);
    const message =
      `${raw} has no Linux partition with an ext2/3/4 file system; its ${layout.table} partition table holds ` +
      `${seen.length > 0 ? seen.join(', ') : 'no partitions'}.`;
    throw found.some((p) => p.fs !== undefined && NEEDS_VM_BUILD.has(p.fs))
      ? new NeedsVmBuild(message + VM_BUILD_HINT)
      : new Error(message);
  }
  return { start: root.start, size: root.size, type: root.type, table: layout.table };
}
