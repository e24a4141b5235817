/**
 * Importing a disk file into the platform-image catalog offline (the data folder's own process; a
 * running server imports through its API: domain/platform-images/admin-operations.ts): checked as
 * imaging/disk/platform-disk.ts checks it, kept as a fixed VHD in the first region's store, from
 * where builds read it. A disk published as several SKUs (one per
 * Hyper-V generation, as Azure does) is stored once: the other SKUs' blobs are store copies of it,
 * which share its content.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformDisk } from '../imaging/disk/platform-disk.ts';
import {
  addPlatformImage,
  catalogKey,
  checkImport,
  listPlatformImages,
  urn,
  type CatalogEntry,
  type HyperVGeneration,
  type PlatformImage,
  type PlatformImageName,
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
  /** V1 (BIOS) or V2 (UEFI); V1 unless the import says otherwise. */
  hyperVGeneration?: string;
}

const blobKey = (image: Pick<PlatformImage, 'publisher' | 'offer' | 'sku' | 'version'>) =>
  `platformimages/${image.publisher}/${image.offer}/${image.sku}/${image.version}.vhd`.toLowerCase();

export async function importPlatformImage(kiln: Kiln, request: ImportRequest): Promise<PlatformImage> {
  const hyperVGeneration = await checkImport(kiln.domain, request, request.replace === true);
  const work = await mkdtemp(join(tmpdir(), 'kiln-import-'));
  try {
    const disk = await platformDisk(request.file, work, { name: request.file });
    const region = kiln.domain.settings.regions[0].name;
    const key = blobKey(request);
    const info = await kiln.domain.regions
      .get(region)!
      .put(key, createReadStream(disk.vhd, { highWaterMark: CHUNK_SIZE }), { overwrite: request.replace === true });
    const image: PlatformImage = {
      publisher: request.publisher,
      offer: request.offer,
      sku: request.sku,
      version: request.version,
      blob: { region, key },
      sizeBytes: info.size,
      sha256: info.sha256,
      importedAt: kiln.domain.clock.now().toISOString(),
      hyperVGeneration,
    };
    const replaced = await kiln.domain.store.get<CatalogEntry>(catalogKey(image));
    await addPlatformImage(kiln.domain, image, request.replace === true);
    // An entry a server imported kept its bytes under a key of its own.
    const old = replaced?.data.blob;
    if (old && (old.region !== region || old.key !== key)) await kiln.domain.regions.get(old.region)?.delete(old.key);
    process.stderr.write(
      `Imported ${urn(image)} (${image.hyperVGeneration}) from a ${disk.format} disk (${disk.root}).\n`,
    );
    return image;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const platformImages = (kiln: Kiln) => listPlatformImages(kiln.domain);

/**
 * Removes a version offline: its entry, then its bytes (an import a server has not finished is
 * dropped by its job when it next runs). False when the catalog has no such version.
 */
export async function deletePlatformImage(kiln: Kiln, name: PlatformImageName): Promise<boolean> {
  const record = await kiln.domain.store.get<CatalogEntry>(catalogKey(name));
  if (!record) return false;
  await kiln.domain.store.apply([{ op: 'delete', key: record.key, expect: { etag: record.etag } }]);
  const { blob } = record.data;
  if (blob) await kiln.domain.regions.get(blob.region)?.delete(blob.key);
  process.stderr.write(`Deleted ${urn(record.data)}.\n`);
  return true;
}

export interface CatalogSku {
  publisher: string;
  offer: string;
  sku: string;
  hyperVGeneration: HyperVGeneration;
}

/**
 * Publishes a catalog image again as another SKU of the same version: its blob copied in its store
 * (sharing the content, so it costs no disk), recorded with the SKU's generation.
 */
async function publishAs(kiln: Kiln, image: PlatformImage, sku: CatalogSku, replace: boolean): Promise<PlatformImage> {
  const entry = { ...sku, version: image.version };
  await checkImport(kiln.domain, entry, replace);
  const store = kiln.domain.regions.get(image.blob.region)!;
  const key = blobKey(entry);
  // A copy never replaces a blob; the entry pointing at the old one is replaced right after.
  if (replace) await store.delete(key);
  const info = await store.copy(image.blob.key, key);
  const published: PlatformImage = {
    ...image,
    ...entry,
    blob: { region: image.blob.region, key },
    sha256: info.sha256,
  };
  await addPlatformImage(kiln.domain, published, replace);
  process.stderr.write(`Published ${urn(image)} as ${urn(published)} (${published.hyperVGeneration}).\n`);
  return published;
}

/**
 * A base image Kiln makes itself (Debian, busybox): `make` writes a disk file, imported as version
 * 0.<yyyymmdd>.0 of the first SKU and published as the others (a second one the same day replaces
 * them). With `ifMissing` the newest image the catalog already has for the first SKU stands
 * instead, and nothing is made, when every SKU has one.
 */
export async function bootstrapBaseImage(
  kiln: Kiln,
  skus: [CatalogSku, ...CatalogSku[]],
  ifMissing: boolean,
  make: (disk: string) => Promise<void>,
): Promise<PlatformImage> {
  if (ifMissing) {
    const catalog = await platformImages(kiln);
    const newest = skus.map((sku) =>
      catalog.filter((i) => i.publisher === sku.publisher && i.offer === sku.offer && i.sku === sku.sku).pop(),
    );
    if (newest.every((image) => image !== undefined)) return newest[0]!;
  }
  const work = await mkdtemp(join(tmpdir(), 'kiln-base-'));
  try {
    const disk = join(work, 'base.raw');
    await make(disk);
    const today = kiln.domain.clock.now().toISOString().slice(0, 10).replaceAll('-', '');
    const [first, ...others] = skus;
    const image = await importPlatformImage(kiln, { ...first, version: `0.${today}.0`, file: disk, replace: true });
    for (const sku of others) await publishAs(kiln, image, sku, true);
    return image;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
