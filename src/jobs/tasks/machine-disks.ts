/**
 * A VM's disks as files on its host, in the VM's folder: each disk's data as a raw file the guest
 * writes (`os.raw` for the OS disk, `disk-<uniqueId>.raw` for a data disk, so a disk detached and
 * another attached at its LUN never share a file), its VHD footer beside it. The file is made from
 * the disk's stored bytes (`materialize`, unless it is there already) and written back into them
 * (`seal`), after which the disk's stored bytes are the guest's.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { DiskRecord } from '../../domain/disks/disk.ts';
import { recordDiskBytes } from '../../domain/virtual-machines/disk-holds.ts';
import { writeSparseFile } from '../../imaging/disk/sparse-file.ts';

export interface DiskFile {
  disk: DiskRecord;
  raw: string;
  footer: string;
}

/** The file of `disk` in the VM's folder `dir`; `os` for its OS disk. */
export function diskFile(dir: string, disk: DiskRecord, os: boolean): DiskFile {
  const name = os ? 'os' : `disk-${disk.data.resource.properties.uniqueId}`;
  return { disk, raw: join(dir, `${name}.raw`), footer: join(dir, `${name}.footer`) };
}

/** The disk's stored bytes as its raw file, unless the file is there already. */
export async function materialize(ctx: DomainContext, file: DiskFile, signal: AbortSignal): Promise<void> {
  if (existsSync(file.raw)) return;
  await mkdir(dirname(file.raw), { recursive: true, mode: 0o700 });
  const blob = file.disk.data.internal.blobs[0];
  const store = ctx.regions.get(blob.region)!;
  const partial = `${file.raw}.partial`;
  const size = await writeSparseFile(store.read(blob.key), partial, signal);
  const handle = await open(partial, 'r');
  const last = Buffer.alloc(VHD_FOOTER_SIZE);
  await handle.read(last, 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
  await handle.close();
  await writeFile(file.footer, last, { mode: 0o600 });
  await truncate(partial, size - VHD_FOOTER_SIZE);
  await rename(partial, file.raw);
}

/** The file back into its disk's stored bytes (its footer as it was); nothing when there is no file. */
export async function seal(ctx: DomainContext, file: DiskFile): Promise<void> {
  if (!existsSync(file.raw)) return;
  const blob = file.disk.data.internal.blobs[0];
  const tail = await readFile(file.footer);
  const content = Readable.from(
    (async function* () {
      yield* createReadStream(file.raw, { highWaterMark: 4 * 1024 * 1024 });
      yield tail;
    })(),
  );
  const store = ctx.regions.get(blob.region)!;
  // What the guest wrote is usually a few blocks of each chunk it touched: like what was stored.
  const like = await store.chunks?.(blob.key);
  await store.put(blob.key, content, { overwrite: true, like });
  await recordDiskBytes(ctx, file.disk);
}

/** Removes the file (sealed first, where its bytes matter). */
export async function removeFile(file: DiskFile): Promise<void> {
  await rm(file.raw, { force: true });
  await rm(file.footer, { force: true });
}
