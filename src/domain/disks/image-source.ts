/**
 * The image a disk made `FromImage` copies, checked while the request is still open so a bad reference
 * is a 4xx naming the field. It is one of:
 *  - a platform image version of Kiln's catalog (`latest` allowed), usable in every region: its bytes
 *    are copied from the region whose store holds them, as a disk Copy is;
 *  - a gallery image version (`latest` allowed) replicated to the disk's region, whose chunks there make
 *    the disk, as Azure takes a version only where it is replicated;
 *  - Kiln's extension: a managed image in the disk's region (Azure's disk API documents platform and
 *    gallery images here), as a build takes only a managed image of its own region.
 * The OS disk unless `lun` names one of the image's data disks. Unknown images get Azure's codes.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf, type ResourceId } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import type { GalleryImageVersionInternal } from '../gallery-image-versions/gallery-image-version.ts';
import { resolveLatest } from '../gallery-image-versions/latest.ts';
import { statusKey, type ReplicationStatusData } from '../gallery-image-versions/replication-status.ts';
import type { GalleryImage } from '../gallery-images/gallery-image.ts';
import { requireSucceededImage } from '../images/succeeded-image.ts';
import {
  PLATFORM_IMAGE_OS,
  findPlatformImage,
  listPlatformImages,
  urn,
  type PlatformImage,
} from '../platform-images/catalog.ts';
import { parsePlatformImageId, type PlatformImageRef } from '../platform-images/image-id.ts';
import { manifestOf, type ChunkManifest } from '../replication/chunk-manifest.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import { findRegion } from '../shared/scope.ts';
import type { CreationData, Disk, ImageDiskReference } from './disk.ts';

export interface ImageSource {
  /** A sealed fixed VHD, or a gallery version's manifest whose chunks the disk's region holds. */
  bytes: { blob: BlobLocation } | { manifest: ChunkManifest };
  /** Data bytes, without the VHD footer. */
  dataSize: number;
  osType?: Disk['properties']['osType'];
  hyperVGeneration?: Disk['properties']['hyperVGeneration'];
  /** The LUNs of the image's data disks (what a VM made from it gets besides its OS disk). */
  dataDiskLuns: number[];
}

const CREATION = 'properties.creationData';
const VERSION_TYPE = 'microsoft.compute/galleries/images/versions';
const DEFINITION_TYPE = 'microsoft.compute/galleries/images';

/**
 * The image a `FromImage` disk of `location` names (validate-disk.ts made sure it names one); a caller
 * that has read the platform catalog already passes it (`catalog`) rather than have it read again.
 */
export function resolveImageSource(
  ctx: DomainContext,
  creation: CreationData,
  location: string,
  catalog?: PlatformImage[],
): Promise<ImageSource> {
  if (creation.galleryImageReference)
    return fromGalleryVersion(ctx, creation.galleryImageReference, location, `${CREATION}.galleryImageReference`);
  const reference = creation.imageReference!;
  const field = `${CREATION}.imageReference`;
  const platform = parsePlatformImageId(reference.id);
  if (platform) return fromPlatformImage(ctx, platform, reference.lun, field, catalog);
  const id = parseResourceId(reference.id);
  const type = id && resourceTypeOf(id);
  if (type === 'microsoft.compute/images') return fromManagedImage(ctx, id!, reference.lun, location, field);
  if (type === VERSION_TYPE || type === DEFINITION_TYPE) return fromGalleryVersion(ctx, reference, location, field);
  throw new ArmError(
    400,
    'LinkedInvalidPropertyId',
    `Property id '${reference.id}' at path '${field}.id' is invalid. Expect a platform image version id ('/Subscriptions/{subscriptionId}/Providers/Microsoft.Compute/Locations/{location}/Publishers/{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{version}'), a gallery image version id or a managed image id.`,
    `${field}.id`,
  );
}

async function fromPlatformImage(
  ctx: DomainContext,
  ref: PlatformImageRef,
  lun: number | undefined,
  field: string,
  catalog?: PlatformImage[],
): Promise<ImageSource> {
  const target = `${field}.id`;
  const entry = findRegion(ctx, ref.location) && findPlatformImage(catalog ?? (await listPlatformImages(ctx)), ref);
  if (!entry)
    throw new ArmError(
      404,
      'PlatformImageNotFound',
      `The platform image '${urn(ref)}' is not available. Verify that all fields in the storage profile are correct.`,
      target,
    );
  if (lun !== undefined) throw noDataDisk(`The platform image '${urn(entry)}'`, lun, field);
  const info = await ctx.regions.get(entry.blob.region)?.stat(entry.blob.key);
  if (!info)
    throw new ArmError(
      404,
      'PlatformImageNotFound',
      `The platform image '${urn(entry)}' lost its bytes in region '${entry.blob.region}'; import it again (kiln platform-image import --replace).`,
      target,
    );
  return {
    bytes: { blob: entry.blob },
    dataSize: info.size - VHD_FOOTER_SIZE,
    osType: PLATFORM_IMAGE_OS,
    hyperVGeneration: entry.hyperVGeneration,
    dataDiskLuns: [],
  };
}

async function fromManagedImage(
  ctx: DomainContext,
  id: ResourceId,
  lun: number | undefined,
  location: string,
  field: string,
): Promise<ImageSource> {
  const target = `${field}.id`;
  const record = await requireSucceededImage(ctx, id, target);
  const image = record.data.resource;
  if (image.location !== location)
    throw new ArmError(404, 'NotFound', `The Image '${image.id}' cannot be found in '${location}' region.`, target);
  const suffix = lun === undefined ? '/os.vhd' : `/lun${lun}.vhd`;
  const blob = record.data.internal.blobs.find((b) => b.key.endsWith(suffix));
  if (!blob) throw noDataDisk(`The managed image '${image.id}'`, lun!, field);
  const info = await ctx.regions.get(blob.region)?.stat(blob.key);
  if (!info)
    throw new ArmError(
      409,
      'InvalidResourceState',
      `The managed image '${image.id}' has lost the bytes of its ${lun === undefined ? 'OS disk' : `data disk ${lun}`}.`,
      target,
    );
  return {
    bytes: { blob },
    dataSize: info.size - VHD_FOOTER_SIZE,
    ...(lun === undefined
      ? { osType: image.properties.storageProfile.osDisk.osType, hyperVGeneration: image.properties.hyperVGeneration }
      : {}),
    dataDiskLuns: image.properties.storageProfile.dataDisks.map((d) => d.lun!),
  };
}

async function fromGalleryVersion(
  ctx: DomainContext,
  reference: ImageDiskReference,
  location: string,
  field: string,
): Promise<ImageSource> {
  const target = `${field}.id`;
  const id = parseResourceId(reference.id);
  const type = id && resourceTypeOf(id);
  if (type === DEFINITION_TYPE)
    // Azure's disk API takes a version here; only a virtual machine's imageReference takes a definition.
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${target}' names the image definition '${reference.id}'; a disk is made from one of its versions: add '/versions/{version}' (or '/versions/latest' for its highest).`,
      target,
    );
  if (type !== VERSION_TYPE)
    throw new ArmError(
      400,
      'LinkedInvalidPropertyId',
      `Property id '${reference.id}' at path '${target}' is invalid. Expect a gallery image version id ('/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{imageName}/versions/{version}').`,
      target,
    );
  // `latest` as seen from the disk's region, which may exclude versions there.
  const version = await resolveLatest(ctx, id!, target, location);
  const resource = version.data.resource;
  const state = resource.properties.provisioningState;
  if (state !== 'Succeeded' && state !== 'Updating')
    throw new ArmError(409, 'InvalidResourceState', `The gallery image version '${resource.id}' is ${state}.`, target);
  const replicated = (await ctx.store.get<ReplicationStatusData>(statusKey(version.key)))?.data.regions[location];
  if (replicated?.state !== 'Completed')
    throw new ArmError(
      404,
      'GalleryImageNotFound',
      `The gallery image ${resource.id} is not available in ${location} region. Please contact image owner to replicate to this region, or change your requested region.`,
      target,
    );
  const disks = (version.data.internal as GalleryImageVersionInternal).disks;
  const disk = disks.find((d) => d.lun === (reference.lun ?? 'os'));
  if (!disk?.manifest) throw noDataDisk(`The gallery image version '${resource.id}'`, reference.lun!, field);
  const manifest = manifestOf(disk.manifest);
  const definition = await ctx.store.get<{ resource: GalleryImage }>(version.parent ?? '');
  return {
    bytes: { manifest },
    dataSize: manifest.size - VHD_FOOTER_SIZE,
    ...(reference.lun === undefined && definition
      ? {
          osType: definition.data.resource.properties.osType,
          hyperVGeneration: definition.data.resource.properties.hyperVGeneration,
        }
      : {}),
    dataDiskLuns: disks.flatMap((d) => (d.lun === 'os' ? [] : [d.lun])),
  };
}

const noDataDisk = (image: string, lun: number, field: string) =>
  new ArmError(400, 'InvalidParameter', `${image} has no data disk at LUN ${lun}.`, `${field}.lun`);
