/**
 * Platform images as Azure lists them (VirtualMachineImages), one function per REST operation: the
 * publishers, offers, skus and versions of Kiln's catalog (catalog.ts). Every location lists the whole
 * catalog, since a disk or build anywhere can use an entry (its bytes sit in one region's store and are
 * copied from there). Names compare without case and keep the catalog's spelling; a name the catalog
 * lacks is Azure's 404, an unknown location its NoRegisteredProviderFound.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext, RegionSetting } from '../context.ts';
import { GIB } from '../disks/disk.ts';
import { findRegion, requireSubscription } from '../shared/scope.ts';
import {
  PLATFORM_IMAGE_OS,
  findPlatformImage,
  listPlatformImages,
  sameName,
  versionsOf,
  type PlatformImage,
} from './catalog.ts';
import {
  platformImageId,
  type LocationRef,
  type OfferRef,
  type PlatformImageRef,
  type PublisherRef,
  type SkuRef,
} from './image-id.ts';

/** An item of a list: a publisher, offer, sku or version (VirtualMachineImageResource). */
export interface VirtualMachineImageResource {
  id: string;
  name: string;
  location: string;
  properties?: Record<string, unknown>;
}

/** The query of a version list, as its spec has it: `$top`, `$orderby` (by name) and `$expand=properties`. */
export interface VersionListQuery {
  $top?: unknown;
  $orderby?: unknown;
  $expand?: unknown;
}

/** Azure's answer for an offer, sku or version it does not have. */
const notFound = (target: string) => new ArmError(404, 'NotFound', 'Artifact: VMImage was not found.', target);

/** The region a catalog call's location names (in a subscription Kiln has), or Azure's answer for a location it lacks. */
export function catalogRegion(ctx: DomainContext, ref: LocationRef, type: string): RegionSetting {
  requireSubscription(ctx, ref.subscription);
  const region = findRegion(ctx, ref.location);
  if (!region)
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${ref.location}' for type '${type}'. The supported locations are '${ctx.settings.regions.map((r) => r.name).join(', ')}'.`,
      'location',
    );
  return region;
}

/** The catalog entries under `ref` (all of them, a publisher's, an offer's or a sku's), in the location's region. */
async function entriesUnder(
  ctx: DomainContext,
  ref: LocationRef & Partial<SkuRef>,
  type: string,
): Promise<{ region: string; entries: PlatformImage[] }> {
  const region = catalogRegion(ctx, ref, type);
  let entries = await listPlatformImages(ctx);
  const narrow = (field: 'publisher' | 'offer' | 'sku', missing: () => ArmError) => {
    const name = ref[field];
    if (name === undefined) return;
    entries = entries.filter((entry) => sameName(entry[field], name));
    if (entries.length === 0) throw missing();
  };
  narrow(
    'publisher',
    () => new ArmError(404, 'NotFound', `Publisher: ${ref.publisher} was not found.`, 'publisherName'),
  );
  narrow('offer', () => notFound('offer'));
  narrow('sku', () => notFound('skus'));
  return { region: region.name, entries };
}

/** The distinct names of `field` among `entries`, in the catalog's spelling, ordered without case. */
function namesOf(entries: PlatformImage[], field: 'publisher' | 'offer' | 'sku'): string[] {
  const names = new Map<string, string>();
  for (const entry of entries)
    if (!names.has(entry[field].toLowerCase())) names.set(entry[field].toLowerCase(), entry[field]);
  return [...names.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, name]) => name);
}

/** The catalog's types under a location, for the error naming an unknown location. */
const TYPES = {
  publisher: 'locations/publishers',
  offer: 'locations/publishers/artifacttypes/offers',
  sku: 'locations/publishers/artifacttypes/offers/skus',
  version: 'locations/publishers/artifacttypes/offers/skus/versions',
};

/** What names the parent of a publisher, offer or sku, below its location. */
const PARENTS = { publisher: [], offer: ['publisher'], sku: ['publisher', 'offer'] } as const;

/** The publishers, offers or skus under `ref`, their ids spelled as the catalog spells their parents. */
async function listNames(
  ctx: DomainContext,
  ref: LocationRef & Partial<OfferRef>,
  field: keyof typeof PARENTS,
): Promise<VirtualMachineImageResource[]> {
  const { region, entries } = await entriesUnder(ctx, ref, TYPES[field]);
  const parent: LocationRef & Partial<OfferRef> = { subscription: ref.subscription, location: region };
  for (const above of PARENTS[field]) parent[above] = entries[0][above];
  return namesOf(entries, field).map((name) => ({
    id: platformImageId({ ...parent, [field]: name }),
    name,
    location: region,
  }));
}

export function listPublishers(ctx: DomainContext, ref: LocationRef): Promise<VirtualMachineImageResource[]> {
  return listNames(ctx, ref, 'publisher');
}

export function listOffers(ctx: DomainContext, ref: PublisherRef): Promise<VirtualMachineImageResource[]> {
  return listNames(ctx, ref, 'offer');
}

export async function listSkus(ctx: DomainContext, ref: OfferRef): Promise<VirtualMachineImageResource[]> {
  // Kiln upgrades no running machine's OS.
  const properties = { automaticOSUpgradeProperties: { automaticOSUpgradeSupported: false } };
  return (await listNames(ctx, ref, 'sku')).map((sku) => ({ ...sku, properties }));
}

/**
 * A sku's versions, lowest first unless `$orderby=name desc`, the first `$top` of them; with
 * `$expand=properties` each carries what its GET shows (azure-cli reads the architecture there).
 */
export async function listVersions(
  ctx: DomainContext,
  ref: SkuRef,
  query: VersionListQuery,
): Promise<VirtualMachineImageResource[]> {
  const { top, descending, expand } = checkListQuery(query);
  const { region, entries } = await entriesUnder(ctx, ref, TYPES.version);
  const versions = versionsOf(entries, entries[0]);
  if (descending) versions.reverse();
  return versions.slice(0, top).map((entry) => {
    const { properties, ...resource } = imageView(ref.subscription, region, entry);
    return expand ? { ...resource, properties } : resource;
  });
}

/** One version (VirtualMachineImage); `latest` is the sku's highest, named by its own version. */
export async function getVersion(ctx: DomainContext, ref: PlatformImageRef): Promise<VirtualMachineImageResource> {
  const { region, entries } = await entriesUnder(ctx, ref, TYPES.version);
  const entry = findPlatformImage(entries, ref);
  if (!entry) throw notFound('version');
  return imageView(ref.subscription, region, entry);
}

/** A version as Azure shows it; its size is the fixed VHD's (data and footer), as Azure gives it. */
function imageView(
  subscription: string,
  region: string,
  entry: PlatformImage,
): VirtualMachineImageResource & { properties: Record<string, unknown> } {
  return {
    id: platformImageId({ ...entry, subscription, location: region }),
    name: entry.version,
    location: region,
    properties: {
      osDiskImage: {
        operatingSystem: PLATFORM_IMAGE_OS,
        sizeInBytes: entry.sizeBytes,
        sizeInGb: Math.ceil((entry.sizeBytes - VHD_FOOTER_SIZE) / GIB),
      },
      dataDiskImages: [],
      automaticOSUpgradeProperties: { automaticOSUpgradeSupported: false },
      hyperVGeneration: entry.hyperVGeneration,
      // Kiln boots and builds x86-64 guests only (qemu-system-x86_64).
      architecture: 'x64',
      imageDeprecationStatus: { imageState: 'Active' },
    },
  };
}

const ORDER_BY = /^\s*name(\s+(asc|desc))?\s*$/i;
const EXPAND = /^\s*properties(\/\w+)*\s*$/i;

function checkListQuery(query: VersionListQuery): { top?: number; descending: boolean; expand: boolean } {
  const problems = new Problems();
  const text = (value: unknown) => (value === undefined ? undefined : String(value));
  const top = text(query.$top);
  const orderBy = text(query.$orderby);
  const expand = text(query.$expand);
  if (top !== undefined && !/^\d+$/.test(top.trim()))
    problems.add('$top', `The value '${top}' of '$top' must be a whole number of versions to return.`);
  if (orderBy !== undefined && !ORDER_BY.test(orderBy))
    problems.add(
      '$orderby',
      `The value '${orderBy}' of '$orderby' is not valid: versions are ordered by 'name', 'name asc' or 'name desc'.`,
    );
  if (expand !== undefined && !EXPAND.test(expand))
    problems.add('$expand', `The value '${expand}' of '$expand' is not valid. Allowed values: properties.`);
  problems.throwIfAny();
  return {
    top: top === undefined ? undefined : Number(top),
    descending: /desc\s*$/i.test(orderBy ?? ''),
    expand: expand !== undefined,
  };
}
