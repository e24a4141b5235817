/**
 * Resolves what an image version is made from (a managed image, another version, a VM, disks,
 * snapshots, VHD blobs) into its disks, and checks the sources fit the image definition.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf, type ResourceId } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import { resolveManagedSource, resolveVhdBlob, type ResolvedSource } from '../disks/disk-source.ts';
import { GIB } from '../disks/disk.ts';
import type { GalleryImage } from '../gallery-images/gallery-image.ts';
import { requireSucceededImage } from '../images/succeeded-image.ts';
import { manifestOf } from '../replication/chunk-manifest.ts';
import { getResource } from '../shared/arm-resource.ts';
import { capturedDataDisks, capturedOsDisk, requireMachine } from '../virtual-machines/capture-source.ts';
import { VIRTUAL_MACHINE_KIND } from '../virtual-machines/virtual-machine.ts';
import type {
  GalleryDiskImage,
  GalleryImageVersion,
  GalleryImageVersionInternal,
  VersionDisk,
} from './gallery-image-version.ts';
import { findCommunityVersion } from '../community-galleries/community-source.ts';
import { resolveLatest } from './latest.ts';

const MAX_DATA_DISK_BYTES = 1024 * GIB;
const SP = 'properties.storageProfile';

export interface ResolvedVersionSources {
  disks: VersionDisk[];
  sourceImageKey?: string;
  /** Data size of each disk in bytes, by LUN ('os' for the OS disk). */
  sizes: Map<'os' | number, number>;
}

export async function resolveVersionSources(
  ctx: DomainContext,
  storage: GalleryImageVersion['properties']['storageProfile'],
  definition: GalleryImage,
): Promise<ResolvedVersionSources> {
  const resolved: ResolvedVersionSources = { disks: [], sizes: new Map() };
  if (storage.source?.virtualMachineId)
    await resolveMachine(ctx, storage.source.virtualMachineId, `${SP}.source.virtualMachineId`, definition, resolved);
  else if (storage.source?.id) await resolveWholeSource(ctx, storage.source.id, definition, resolved);
  else if (storage.source?.communityGalleryImageId) {
    const target = `${SP}.source.communityGalleryImageId`;
    const version = await findCommunityVersion(
      ctx,
      storage.source.communityGalleryImageId,
      definition.location,
      target,
    );
    await resolveSourceVersion(ctx, parseResourceId(version.data.resource.id)!, definition, resolved, target);
  } else {
    const os = await resolveDiskImage(ctx, storage.osDiskImage!, `${SP}.osDiskImage.source`);
    checkOsType(os.osType, definition, `${SP}.osDiskImage.source`);
    resolved.disks.push({ lun: 'os', source: os.blob });
    resolved.sizes.set('os', os.dataSize);
  }
  for (const [i, data] of (storage.dataDiskImages ?? []).entries()) {
    const target = `${SP}.dataDiskImages[${i}].source`;
    const disk = await resolveDiskImage(ctx, data, target);
    if (disk.dataSize > MAX_DATA_DISK_BYTES)
      throw new ArmError(
        400,
        'InvalidParameter',
        `The data disk at LUN ${data.lun} is ${Math.ceil(disk.dataSize / GIB)} GB; a data disk image may be at most 1 TB.`,
        target,
      );
    if (resolved.sizes.has(data.lun))
      throw new ArmError(
        400,
        'InvalidParameter',
        `LUN ${data.lun} is already taken by a data disk of the source.`,
        `${SP}.dataDiskImages[${i}].lun`,
      );
    resolved.disks.push({ lun: data.lun, source: disk.blob });
    resolved.sizes.set(data.lun, disk.dataSize);
  }
  return resolved;
}

function resolveDiskImage(ctx: DomainContext, image: GalleryDiskImage, target: string): Promise<ResolvedSource> {
  const source = image.source!;
  return source.uri
    ? resolveVhdBlob(ctx, source.uri, `${target}.uri`)
    : resolveManagedSource(ctx, source.id!, `${target}.id`);
}

/** `storageProfile.source.id`: a managed image, another version or (as older clients name it) a VM, with all its disks. */
async function resolveWholeSource(
  ctx: DomainContext,
  rawId: string,
  definition: GalleryImage,
  resolved: ResolvedVersionSources,
): Promise<void> {
  const target = `${SP}.source.id`;
  const id = parseResourceId(rawId);
  const type = id && resourceTypeOf(id);
  if (!id || !type)
    throw new ArmError(
      400,
      'LinkedInvalidPropertyId',
      `Property id '${rawId}' at path '${target}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}'.`,
      target,
    );
  if (type === 'microsoft.compute/images') return resolveManagedImage(ctx, id, definition, resolved);
  if (type === 'microsoft.compute/galleries/images/versions')
    return resolveSourceVersion(ctx, id, definition, resolved, target);
  if (type === VIRTUAL_MACHINE_KIND) return resolveMachine(ctx, rawId, target, definition, resolved);
  throw new ArmError(
    400,
    'InvalidParameter',
    `'${target}' must name a managed image, a gallery image version or a virtual machine, not a '${type}'.`,
    target,
  );
}

/**
 * A VM, captured as it stands with its data disks at their LUNs (virtual-machines/capture-source.ts): Azure's rule is a generalized VM
 * for a Generalized definition and a specialized one for a Specialized definition, refused otherwise
 * with Azure's 400 BadRequest.
 */
async function resolveMachine(
  ctx: DomainContext,
  rawId: string,
  target: string,
  definition: GalleryImage,
  resolved: ResolvedVersionSources,
) {
  const record = await requireMachine(ctx, rawId, target);
  const osState = record.data.internal.generalized ? 'Generalized' : 'Specialized';
  if (osState !== definition.properties.osState)
    throw new ArmError(
      400,
      'BadRequest',
      `The resource with id '${rawId}' has a different OS state ['${osState}'] than the parent gallery image OS state ['${definition.properties.osState}'].`,
      target,
    );
  const disk = await capturedOsDisk(ctx, record, target);
  checkOsType(disk.osType, definition, target);
  resolved.disks.push({ lun: 'os', source: disk.blob });
  resolved.sizes.set('os', disk.dataSize);
  for (const data of await capturedDataDisks(ctx, record, target)) {
    resolved.disks.push({ lun: data.lun, source: data.blob });
    resolved.sizes.set(data.lun, data.dataSize);
  }
}

async function resolveManagedImage(
  ctx: DomainContext,
  id: ResourceId,
  definition: GalleryImage,
  resolved: ResolvedVersionSources,
) {
  const target = `${SP}.source.id`;
  const record = await requireSucceededImage(ctx, id, target);
  const image = record.data.resource;
  const os = image.properties.storageProfile.osDisk;
  checkOsType(os.osType, definition, target);
  if (os.osState !== definition.properties.osState) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The managed image's OS state '${os.osState}' does not match the image definition's '${definition.properties.osState}'.`,
      target,
    );
  }
  for (const blob of record.data.internal.blobs) {
    const lunMatch = /\/lun(\d+)\.vhd$/.exec(blob.key);
    const lun = lunMatch ? Number(lunMatch[1]) : 'os';
    const info = await ctx.regions.get(blob.region)?.stat(blob.key);
    if (!info)
      throw new ArmError(
        409,
        'InvalidResourceState',
        `The managed image '${image.id}' has lost the bytes of its ${lun === 'os' ? 'OS disk' : `data disk ${lun}`}.`,
        target,
      );
    resolved.disks.push({ lun, source: blob });
    resolved.sizes.set(lun, info.size - VHD_FOOTER_SIZE);
  }
  resolved.sourceImageKey = record.key;
}

async function resolveSourceVersion(
  ctx: DomainContext,
  id: ResourceId,
  definition: GalleryImage,
  resolved: ResolvedVersionSources,
  target: string,
) {
  // `latest` as seen from the new version's region, which may exclude versions there.
  const version = await resolveLatest(ctx, id, target, definition.location);
  const parentDefinition = await getResource<GalleryImage, Record<string, never>>(ctx, {
    ...id,
    types: id.types.slice(0, 2),
  });
  if (parentDefinition) {
    checkOsType(parentDefinition.data.resource.properties.osType, definition, target);
    if (parentDefinition.data.resource.properties.osState !== definition.properties.osState) {
      throw new ArmError(
        400,
        'InvalidParameter',
        `The source version's OS state '${parentDefinition.data.resource.properties.osState}' does not match the image definition's '${definition.properties.osState}'.`,
        target,
      );
    }
  }
  if (version.data.resource.properties.provisioningState !== 'Succeeded') {
    throw new ArmError(
      409,
      'InvalidResourceState',
      `The source version '${version.data.resource.id}' is ${version.data.resource.properties.provisioningState}, not Succeeded.`,
      target,
    );
  }
  for (const disk of (version.data.internal as GalleryImageVersionInternal).disks) {
    // A Succeeded version has every manifest; the new version records it as runs, whatever shape it was read in.
    const manifest = manifestOf(disk.manifest!);
    resolved.disks.push({ lun: disk.lun, manifest, chunkRegion: disk.chunkRegion });
    resolved.sizes.set(disk.lun, manifest.size - VHD_FOOTER_SIZE);
  }
}

function checkOsType(osType: string | undefined, definition: GalleryImage, target: string): void {
  if (osType && osType !== definition.properties.osType) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The source's OS type '${osType}' does not match the image definition's '${definition.properties.osType}'.`,
      target,
    );
  }
}
