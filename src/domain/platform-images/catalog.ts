/**
 * The platform-image catalog: what `PlatformImage` sources (publisher, offer, sku, version) resolve
 * to. The operator fills it with `kiln platform-image import`, offline or through a running server's
 * API (admin-operations.ts); each entry is a fixed VHD kept in a region store, and only entries whose
 * import succeeded are seen by sources and listings. `latest` resolves to the highest version, numerically part by part.
 *
 * Each entry names the Hyper-V generation it boots as (`V1`: BIOS, `V2`: UEFI), as Azure's images do;
 * one disk that boots both ways is two SKUs, as Azure publishes them (`12` and `12-gen2`), sharing
 * one content in the store. Entries recorded before the field existed are V1.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import type { StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { HYPERV_GENERATIONS } from '../disks/validate-disk.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';

export const PLATFORM_IMAGE_KIND = 'kiln/platformimages';

/** Every entry's OS: an import finds the disk's Linux root first (app/platform-images.ts). */
export const PLATFORM_IMAGE_OS = 'Linux';

export type HyperVGeneration = (typeof HYPERV_GENERATIONS)[number];

export interface PlatformImage {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
  blob: BlobLocation;
  sizeBytes: number;
  sha256: string;
  importedAt: string;
  hyperVGeneration: HyperVGeneration;
}

/** What names an entry: `publisher:offer:sku:version`, its urn. */
export type PlatformImageName = Pick<PlatformImage, 'publisher' | 'offer' | 'sku' | 'version'>;

/**
 * How an import through the API went (admin-operations.ts), kept on its entry: Creating while its
 * job checks the disk, then Succeeded (the image fields filled in) or Failed with the reason. An entry
 * without it was imported offline, and is Succeeded.
 */
export interface ImportRecord {
  provisioningState: 'Creating' | 'Succeeded' | 'Failed';
  /** Names this import: its job and its blob's key carry it, so a later import of the name is never taken for it. */
  importId: string;
  /** The blob the disk was read from, as the request named it. */
  uri: string;
  /** The region of the request's location, where the disk is kept. */
  region: string;
  details?: { billingPartNumber?: string };
  /** The job doing the import, which a delete cancels. */
  jobKey?: string;
  error?: ArmErrorBody;
}

/** A catalog record: an image (offline imports), or an import through the API, whose image fields come when it succeeds. */
export type CatalogEntry = PlatformImageName &
  Partial<Omit<PlatformImage, keyof PlatformImageName>> & { import?: ImportRecord };

export const catalogKey = (p: PlatformImageName) =>
  `/platformimages/${p.publisher}/${p.offer}/${p.sku}/${p.version}`.toLowerCase();

/** The record of `entry`. */
export const catalogRecord = (entry: CatalogEntry) => ({
  key: catalogKey(entry),
  kind: PLATFORM_IMAGE_KIND,
  subscription: '',
  resourceGroup: null,
  parent: null,
  data: entry,
});

/** Entries sources may use: every one but imports still running or failed. */
const usable = (entry: CatalogEntry) => entry.import === undefined || entry.import.provisioningState === 'Succeeded';
export const urn = (p: PlatformImageName) => `${p.publisher}:${p.offer}:${p.sku}:${p.version}`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VERSION = /^\d+(\.\d+){0,3}$/;

/** Checks an import before any work: valid names and generation, and no silent replacement of an entry. */
export async function checkImport(
  ctx: DomainContext,
  image: PlatformImageName & { hyperVGeneration?: string },
  replace: boolean,
): Promise<HyperVGeneration> {
  for (const field of ['publisher', 'offer', 'sku'] as const) {
    if (!NAME.test(image[field]))
      throw new ArmError(
        400,
        'InvalidParameter',
        `The ${field} '${image[field]}' must be 1-64 letters, digits, periods, underscores or hyphens.`,
        field,
      );
  }
  if (!VERSION.test(image.version))
    throw new ArmError(
      400,
      'InvalidParameter',
      `The version '${image.version}' must be numbers separated by periods, such as 1.2.3 (latest is what Kiln resolves, not a version to import).`,
      'version',
    );
  if (
    image.hyperVGeneration !== undefined &&
    !(HYPERV_GENERATIONS as readonly string[]).includes(image.hyperVGeneration)
  )
    throw new ArmError(
      400,
      'InvalidParameter',
      `The Hyper-V generation '${image.hyperVGeneration}' must be one of ${HYPERV_GENERATIONS.join(', ')}.`,
      'hyperVGeneration',
    );
  if (!replace && (await ctx.store.get(catalogKey(image)))) throw duplicate(image);
  return (image.hyperVGeneration as HyperVGeneration | undefined) ?? 'V1';
}

const duplicate = (image: PlatformImageName) =>
  new ArmError(
    409,
    'Conflict',
    `The platform image ${urn(image)} is already in the catalog; import it with --replace to replace it.`,
  );

/** Records an imported image (after `checkImport`), V1 unless it says otherwise; two racing imports cannot both add it. */
export async function addPlatformImage(
  ctx: DomainContext,
  image: Omit<PlatformImage, 'hyperVGeneration'> & Partial<Pick<PlatformImage, 'hyperVGeneration'>>,
  replace: boolean,
): Promise<void> {
  const record = catalogRecord({ ...image, hyperVGeneration: image.hyperVGeneration ?? 'V1' });
  try {
    await ctx.store.apply([{ op: 'put', record, ...(replace ? {} : { expect: { absent: true as const } }) }]);
  } catch (error) {
    if ((error as Error).name !== 'ExpectationFailedError') throw error;
    throw duplicate(image);
  }
}

/** Every entry of the catalog, imports running and failed included, by urn. */
export async function listCatalog(ctx: DomainContext): Promise<StoredRecord<CatalogEntry>[]> {
  const records = await ctx.store.list<CatalogEntry>({ kind: PLATFORM_IMAGE_KIND, limit: 100_000 });
  return records.sort(
    (a, b) => urn(a.data).localeCompare(urn(b.data)) || compareDotted(a.data.version, b.data.version),
  );
}

/** The images sources may use, by urn. */
export async function listPlatformImages(ctx: DomainContext): Promise<PlatformImage[]> {
  return (
    (await listCatalog(ctx))
      .map((r) => r.data)
      .filter(usable)
      // Entries recorded before the field existed have none.
      .map(
        ({ import: _, ...image }) => ({ ...image, hyperVGeneration: image.hyperVGeneration ?? 'V1' }) as PlatformImage,
      )
  );
}

/** Publisher, offer and sku compare without case, as Azure's do. */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The versions of a sku in `catalog`, lowest first. */
export const versionsOf = (catalog: PlatformImage[], sku: Omit<PlatformImageName, 'version'>) =>
  catalog
    .filter((p) => sameName(p.publisher, sku.publisher) && sameName(p.offer, sku.offer) && sameName(p.sku, sku.sku))
    .sort((a, b) => compareDotted(a.version, b.version));

/** The entry `name` names in `catalog`, `latest` being the highest version of its sku; undefined when none. */
export function findPlatformImage(catalog: PlatformImage[], name: PlatformImageName): PlatformImage | undefined {
  const versions = versionsOf(catalog, name);
  return sameName(name.version, 'latest') ? versions.at(-1) : versions.find((p) => p.version === name.version);
}

/** The catalog entry a PlatformImage source names; `latest` is the highest version of that sku. */
export async function resolvePlatformImage(
  ctx: DomainContext,
  source: PlatformImageName,
  target: string,
): Promise<PlatformImage> {
  const all = await listPlatformImages(ctx);
  const found = findPlatformImage(all, source);
  if (found) return found;
  const available = all.length > 0 ? all.map(urn).join(', ') : 'none yet: add one with kiln platform-image import';
  throw new ArmError(
    400,
    'BadPIRSource',
    `The platform image ${urn(source)} is not in Kiln's platform-image catalog. Available: ${available}.`,
    target,
  );
}

function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++)
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
