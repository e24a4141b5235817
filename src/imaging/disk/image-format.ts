/**
 * Disk image formats: what an image is (qemu-img's probe, plus our own look for a fixed VHD, which
 * qemu-img probes as raw because its only header is a footer), turning it into a raw disk, and
 * turning a raw disk into the fixed VHD Azure takes. Tools get absolute paths: qemu-img reads
 * "json:{…}" or "nbd:…" at the start of a file name as options or a protocol, never in "/…". Each
 * runs confined (confine.ts) to the files of its call: it reads its input and writes only its
 * output, which Kiln creates first so that the file alone can be granted.
 */
import { appendFile, open, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createFixedVhdFooter, DISK_TYPE_FIXED, parseVhdFooter, VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import { readPartitionTable } from './partitions.ts';
import { runConfined } from './run.ts';

const MIB = 1024 * 1024;
/** What qemu-img may convert from: the formats VM images arrive in. */
const SUPPORTED_FORMATS = new Set(['raw', 'vpc', 'qcow2', 'vmdk', 'vhdx']);
/** Formats `qemu-img check` can check; it refuses the others. */
const CHECKABLE_FORMATS = new Set(['qcow2', 'vmdk', 'vhdx']);

export interface ImageInfo {
  /** qemu-img's name: raw, vpc (VHD, fixed or dynamic), qcow2, vmdk or vhdx. */
  format: string;
  /** Bytes of disk the image holds. */
  virtualSize: number;
  /** A fixed VHD is its raw disk followed by a 512-byte footer. */
  fixedVhd: boolean;
}

interface QemuInfo {
  format: string;
  'virtual-size': number;
  filename: string;
  'backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string; extents?: { filename: string }[] } };
}

async function qemuInfo(path: string, args: string[], signal?: AbortSignal): Promise<QemuInfo> {
  return JSON.parse(
    (await runConfined('qemu-img', ['info', '--output=json', ...args], { read: [path] }, { signal })).stdout,
  ) as QemuInfo;
}

/** An empty file at `path` for a confined tool to fill: only an existing file can be granted alone. */
async function outputFile(path: string): Promise<string> {
  await writeFile(path, '');
  return resolve(path);
}

async function readFixedVhdFooter(path: string, fileSize: number) {
  if (fileSize < 2 * VHD_FOOTER_SIZE) return undefined;
  const file = await open(path, 'r');
  try {
    const footer = Buffer.alloc(VHD_FOOTER_SIZE);
    await file.read(footer, 0, VHD_FOOTER_SIZE, fileSize - VHD_FOOTER_SIZE);
    const parsed = parseVhdFooter(footer);
    return parsed.ok && parsed.footer.diskType === DISK_TYPE_FIXED ? parsed.footer : undefined;
  } finally {
    await file.close();
  }
}

/**
 * Images may name other files (a qcow2 backing file or data file, a vmdk's extents); converting
 * such an image would read whatever host file it names, so only self-contained images are taken.
 */
function assertSelfContained(path: string, info: QemuInfo): void {
  const data = info['format-specific']?.data;
  const others = [
    info['backing-filename'],
    data?.['data-file'],
    ...(data?.extents ?? [])
      .map((extent) => extent.filename)
      .filter((name) => resolve(name) !== resolve(info.filename)),
  ].filter((name) => name !== undefined);
  if (others.length > 0) {
    throw new Error(
      `${path} is a ${info.format} image that refers to other files (${others.join(', ')}); Kiln takes self-contained images only.`,
    );
  }
}

export async function inspectImage(path: string, signal?: AbortSignal): Promise<ImageInfo> {
  const fileSize = (await stat(path)).size;
  if (await readFixedVhdFooter(path, fileSize)) {
    // Azure's rule: the disk is everything before the footer. qemu would size a VHD not made by
    // Hyper-V or qemu by its CHS geometry (smaller) unless told to use the footer's current size.
    const virtualSize = fileSize - VHD_FOOTER_SIZE;
    const file = resolve(path).replaceAll(',', ',,'); // qemu's escape for a comma inside an option value
    const info = await qemuInfo(
      path,
      ['--image-opts', `driver=vpc,force_size_calc=current_size,file.driver=file,file.filename=${file}`],
      signal,
    );
    if (info['virtual-size'] !== virtualSize) {
      throw new Error(`${path} is a fixed VHD of ${virtualSize} bytes but its footer says ${info['virtual-size']}.`);
    }
    return { format: 'vpc', virtualSize, fixedVhd: true };
  }
  const info = await qemuInfo(path, [resolve(path)], signal);
  if (!SUPPORTED_FORMATS.has(info.format)) {
    throw new Error(`${path} is a ${info.format} image; Kiln takes ${[...SUPPORTED_FORMATS].join(', ')}.`);
  }
  assertSelfContained(path, info);
  return { format: info.format, virtualSize: info['virtual-size'], fixedVhd: false };
}

/** `qemu-img check` for the formats that have metadata to check; throws with its report. */
export async function checkImageMetadata(path: string, info: ImageInfo): Promise<void> {
  if (CHECKABLE_FORMATS.has(info.format))
    await runConfined('qemu-img', ['check', '-f', info.format, resolve(path)], { read: [path] });
}

/**
 * Copies a file sharing its blocks where the file system can (btrfs, XFS), else as a sparse copy:
 * raw disks are mostly zeros, and a dense copy of one costs its whole size.
 */
async function cloneFile(source: string, destination: string, signal?: AbortSignal): Promise<void> {
  await runConfined(
    'cp',
    ['--reflink=auto', '--sparse=always', resolve(source), await outputFile(destination)],
    { read: [source], write: [destination] },
    { signal },
  );
}

/** Any supported image as a raw disk at `output`; `input` stays as it was. */
export async function toRaw(input: string, output: string): Promise<{ format: string; virtualSize: number }> {
  const { format, virtualSize } = await rawDisk(input, output, false);
  return { format, virtualSize };
}

/**
 * Like `toRaw`, for an image nobody needs afterwards (a build's fetched source): a raw image is
 * renamed to `output` and a fixed VHD loses its footer in place, so neither is copied (`inPlace`);
 * other formats are converted and `input` removed. Both must be on one file system.
 */
export async function moveToRaw(
  input: string,
  output: string,
  signal?: AbortSignal,
): Promise<{ format: string; virtualSize: number; inPlace: boolean }> {
  return rawDisk(input, output, true, signal);
}

async function rawDisk(
  input: string,
  output: string,
  consume: boolean,
  signal?: AbortSignal,
): Promise<{ format: string; virtualSize: number; inPlace: boolean }> {
  const info = await inspectImage(input, signal);
  const rawBytes = info.format === 'raw' || info.fixedVhd;
  if (rawBytes) {
    // A consumed input was fetched sparse (sparse-file.ts): renamed, it stays so.
    if (consume) await rename(input, output);
    else await cloneFile(input, output, signal);
    // A fixed VHD is its disk followed by the footer: cutting the footer off leaves the raw disk.
    if (info.fixedVhd) await truncate(output, info.virtualSize);
  } else {
    // The format is given, not probed again: a probe is how a crafted raw disk passes as qcow2.
    await runConfined(
      'qemu-img',
      ['convert', '-f', info.format, '-O', 'raw', resolve(input), await outputFile(output)],
      { read: [input], write: [output] },
      { signal },
    );
    if (consume) await rm(input);
  }
  return { format: info.format, virtualSize: info.virtualSize, inPlace: consume && rawBytes };
}

/**
 * A fixed VHD of the raw disk: its bytes padded to a whole MiB (Azure takes no other size), then
 * the footer. `size` is the VHD file's size, which is what Azure's `uploadSizeBytes` wants. `consume`
 * makes the raw disk itself the VHD (renamed, then the footer appended), when it is not needed after.
 */
export async function toFixedVhd(
  raw: string,
  output: string,
  signal?: AbortSignal,
  options: { consume?: boolean } = {},
): Promise<{ size: number }> {
  const rawSize = (await stat(raw)).size;
  const diskSize = Math.ceil(rawSize / MIB) * MIB;
  if (options.consume) await rename(raw, output);
  else await cloneFile(raw, output, signal);
  if (diskSize !== rawSize) {
    await truncate(output, diskSize);
    // GPT keeps a backup header in the disk's last sector; move it to the new last sector, or the
    // firmware and the kernel see a damaged table.
    if ((await readPartitionTable(output, signal))?.table === 'gpt')
      await runConfined('sfdisk', ['--relocate', 'gpt-bak-std', resolve(output)], { write: [output] }, { signal });
  }
  await appendFile(output, createFixedVhdFooter(diskSize));
  return { size: diskSize + VHD_FOOTER_SIZE };
}
