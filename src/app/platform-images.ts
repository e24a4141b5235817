/**
 * Importing a disk file into the platform-image catalog: it must be a disk image (raw, VHD, qcow2,
 * vmdk, vhdx) holding a partitioned (or bare) Linux root file system; it is kept as a fixed VHD in
 * the first region's store, from where builds read it.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRootPartition, toFixedVhd, toRaw } from '../imaging/disk/disk-image.ts';
import {
  addPlatformImage,
  checkImport,
  listPlatformImages,
  urn,
  type PlatformImage,
} from '../domain/platform-images/catalog.ts';
import type { Kiln } from './kiln.ts';
import { CHUNK_SIZE } from '../core/content-id.ts';

export interface ImportRequest {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
  file: string;
  replace?: boolean;
}

export async function importPlatformImage(kiln: Kiln, request: ImportRequest): Promise<PlatformImage> {
  await checkImport(kiln.domain, request, request.replace === true);
  const work = await mkdtemp(join(tmpdir(), 'kiln-import-'));
  try {
    const raw = join(work, 'disk.raw');
    const source = await toRaw(request.file, raw);
    // Errors name the user's file, not the working copy.
    const root = await findRootPartition(raw).catch((error: Error) => {
      throw new Error(`${request.file} cannot be a platform image: ${error.message.replaceAll(raw, 'it')}`);
    });
    const vhd = join(work, 'disk.vhd');
    await toFixedVhd(raw, vhd);
    const region = kiln.domain.settings.regions[0].name;
    const key =
      `platformimages/${request.publisher}/${request.offer}/${request.sku}/${request.version}.vhd`.toLowerCase();
    const info = await kiln.domain.regions
      .get(region)!
      .put(key, createReadStream(vhd, { highWaterMark: CHUNK_SIZE }), { overwrite: request.replace === true });
    const image: PlatformImage = {
      publisher: request.publisher,
      offer: request.offer,
      sku: request.sku,
      version: request.version,
      blob: { region, key },
      sizeBytes: info.size,
      sha256: info.sha256,
      importedAt: kiln.domain.clock.now().toISOString(),
    };
    await addPlatformImage(kiln.domain, image, request.replace === true);
    process.stderr.write(
      `Imported ${urn(image)} from a ${source.format} disk (root file system on a ${root.table} partition at byte ${root.start}).\n`,
    );
    return image;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const platformImages = (kiln: Kiln) => listPlatformImages(kiln.domain);

export interface CatalogSku {
  publisher: string;
  offer: string;
  sku: string;
}

/**
 * A base image Kiln makes itself (Debian, busybox): `make` writes a disk file, imported as version
 * 0.<yyyymmdd>.0 (a second one the same day replaces it). With `ifMissing` the newest image the
 * catalog already has for the sku stands instead, and nothing is made.
 */
export async function bootstrapBaseImage(
  kiln: Kiln,
  sku: CatalogSku,
  ifMissing: boolean,
  make: (disk: string) => Promise<void>,
): Promise<PlatformImage> {
  if (ifMissing) {
    const existing = (await platformImages(kiln))
      .filter((i) => i.publisher === sku.publisher && i.offer === sku.offer && i.sku === sku.sku)
      .pop();
    if (existing) return existing;
  }
  const work = await mkdtemp(join(tmpdir(), 'kiln-base-'));
  try {
    const disk = join(work, 'base.raw');
    await make(disk);
    const today = kiln.domain.clock.now().toISOString().slice(0, 10).replaceAll('-', '');
    return await importPlatformImage(kiln, { ...sku, version: `0.${today}.0`, file: disk, replace: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
