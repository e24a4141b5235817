/** Microsoft.Compute/disks and /snapshots: one function per REST operation, parameterized by family. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperation, type OperationData } from '../operations/operation.ts';
import { getResource, requireGroupResource, requireResource, resourceRecord } from '../shared/arm-resource.ts';
import { closeGrant } from '../shared/blob-grants.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { checkTags, requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName, enumValue, integerIn, isObject } from '../shared/validate.ts';
import { GIB, diskBlobKey, skuTier, type Disk, type DiskFamily, type DiskInternal, type DiskRecord } from './disk.ts';
import { resolveManagedSource, resolveVhdBlob, type ResolvedSource } from './disk-source.ts';
import type { FillSource } from './fill.ts';
import { resolveImageSource } from './image-source.ts';
import {
  HYPERV_GENERATIONS,
  OS_TYPES,
  checkMatchesImage,
  checkSizeMatchesSource,
  imageDiskBytes,
  validateDiskBody,
  type DiskSpec,
} from './validate-disk.ts';

export interface DiskWriteResult {
  /** The disk RP answers 200 (done) or 202 (accepted), never 201. */
  status: 200 | 202;
  disk: Disk;
  etag: string;
  /** Present when the bytes are still being produced by a job. */
  operation?: OperationData;
}

const diskId = (family: DiskFamily, ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Compute',
  types: [[family.collection, ref.name]],
});

export async function createOrUpdateDisk(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<DiskWriteResult> {
  checkComputeResourceName(ref.name, 'name');
  const group = await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const id = diskId(family, { ...ref, resourceGroup: group.data.resource.name });
  const existing = await getResource<Disk, DiskInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (existing) return replaceDisk(ctx, existing, body);

  const spec = validateDiskBody(ctx, family, body);
  const option = spec.creationData.createOption;
  const source = await sourceOf(ctx, spec);
  if (source?.sourceUniqueId) spec.creationData.sourceUniqueId = source.sourceUniqueId;

  const uniqueId = newGuid();
  const dataSize =
    source?.dataSize ??
    (option === 'Upload' ? spec.creationData.uploadSizeBytes! - VHD_FOOTER_SIZE : spec.diskSizeGB! * GIB);
  // A copy takes its source's size; bytes written anew (zeros, an upload, a grown image) must fit the region.
  if (!source || source.fill.grownTo !== undefined) checkRegionTakes(ctx, spec.location, dataSize, option);
  const disk: Disk = {
    id: formatResourceId(id),
    name: ref.name,
    type: family.type,
    location: spec.location,
    ...(spec.tags ? { tags: spec.tags } : {}),
    sku: { name: spec.sku, tier: skuTier(spec.sku) },
    properties: {
      ...((spec.osType ?? source?.osType) ? { osType: spec.osType ?? source?.osType } : {}),
      ...((spec.hyperVGeneration ?? source?.hyperVGeneration)
        ? { hyperVGeneration: spec.hyperVGeneration ?? source?.hyperVGeneration }
        : {}),
      creationData: spec.creationData,
      diskSizeGB: Math.ceil(dataSize / GIB),
      diskSizeBytes: dataSize,
      uniqueId,
      timeCreated: ctx.clock.now().toISOString(),
      provisioningState: option === 'Upload' ? 'Succeeded' : 'Creating',
      diskState: option === 'Upload' ? 'ReadyToUpload' : 'Unattached',
      encryption: { type: 'EncryptionAtRestWithPlatformKey' },
      networkAccessPolicy: spec.networkAccessPolicy,
      publicNetworkAccess: spec.publicNetworkAccess,
      ...(family.collection === 'snapshots' ? { incremental: false } : {}),
    },
  };
  const target = { region: spec.location, key: diskBlobKey(family, uniqueId) };
  const record = resourceRecord<Disk, DiskInternal>(disk, { blobs: [] });

  if (option === 'Upload') {
    const store = ctx.regions.get(spec.location)!;
    await store.createStaging(target.key, spec.creationData.uploadSizeBytes!);
    try {
      const [stored] = await ctx.store.apply([{ op: 'put', record, expect: { absent: true } }]);
      return { status: 200, disk, etag: stored.etag };
    } catch (error) {
      await store.deleteStaging(target.key);
      throw conflictOnRace(error, id);
    }
  }
  const operation = startOperation(
    { subscription: ref.subscription, namespace: 'Microsoft.Compute', location: spec.location, resourceId: disk.id },
    ctx.clock.now(),
  );
  const job = ctx.jobs.enqueueWrite({
    task: 'disk.fill',
    payload: {
      key: record.key,
      operation: operation.data,
      target,
      source: source?.fill ?? { emptyBytes: dataSize },
    },
  });
  const [stored] = await ctx.store
    .apply([{ op: 'put', record, expect: { absent: true } }, operation.write, job])
    .catch((error) => {
      throw conflictOnRace(error, id);
    });
  ctx.jobs.nudge();
  return { status: 202, disk, etag: stored.etag, operation: operation.data };
}

/** The bytes a Copy, Import or FromImage disk starts with (what fills it), its data size and what it tells of the OS. */
interface DiskSource extends Pick<ResolvedSource, 'dataSize' | 'sourceUniqueId' | 'osType' | 'hyperVGeneration'> {
  fill: FillSource;
}

async function sourceOf(ctx: DomainContext, spec: DiskSpec): Promise<DiskSource | undefined> {
  const { createOption, sourceResourceId, sourceUri } = spec.creationData;
  if (createOption === 'FromImage') {
    const image = await resolveImageSource(ctx, spec.creationData, spec.location);
    checkMatchesImage(spec, image);
    const dataSize = imageDiskBytes(spec.diskSizeGB, image.dataSize);
    const grown = dataSize > image.dataSize ? { grownTo: dataSize } : {};
    return { ...image, dataSize, fill: { ...image.bytes, ...grown } };
  }
  const copied =
    createOption === 'Copy'
      ? await resolveManagedSource(ctx, sourceResourceId!, 'properties.creationData.sourceResourceId')
      : createOption === 'Import'
        ? await resolveVhdBlob(ctx, sourceUri!, 'properties.creationData.sourceUri')
        : undefined;
  if (!copied) return undefined;
  checkSizeMatchesSource(spec.diskSizeGB, copied.dataSize);
  return { ...copied, fill: { blob: copied.blob } };
}

function conflictOnRace(error: unknown, id: ResourceId): unknown {
  return (error as Error)?.name === 'ExpectationFailedError'
    ? new ArmError(
        409,
        'Conflict',
        `Another operation created or changed '${formatResourceId(id)}' at the same time; retry.`,
      )
    : error;
}

/** PUT on an existing disk: the same creation data, with the mutable fields changed. */
async function replaceDisk(
  ctx: DomainContext,
  existing: DiskRecord,
  body: Record<string, unknown>,
): Promise<DiskWriteResult> {
  const props = isObject(body.properties) ? body.properties : {};
  const creation = isObject(props.creationData) ? props.creationData : undefined;
  const current = existing.data.resource;
  if (
    creation &&
    String(creation.createOption ?? '').toLowerCase() !== current.properties.creationData.createOption.toLowerCase()
  ) {
    throw new ArmError(
      409,
      'PropertyChangeNotAllowed',
      "Changing property 'creationData.createOption' is not allowed.",
      'properties.creationData.createOption',
    );
  }
  const result = await applyDiskUpdate(ctx, existing, { tags: body.tags, properties: props });
  return { status: 200, ...result };
}

/** PATCH: tags and the properties a disk may change after creation. */
export async function updateDisk(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  const existing = await requireResource<Disk, DiskInternal>(ctx, diskId(family, ref));
  checkConditions(conditions, existing.etag);
  return applyDiskUpdate(ctx, existing, body);
}

async function applyDiskUpdate(ctx: DomainContext, existing: DiskRecord, body: Record<string, unknown>) {
  const problems = new Problems();
  const props = isObject(body.properties) ? body.properties : {};
  const current = existing.data.resource;
  const next: Disk = structuredClone(current);
  if (body.tags !== undefined) next.tags = checkTags(body.tags, problems);
  const osType = enumValue(props.osType, OS_TYPES, 'properties.osType', problems);
  const generation = enumValue(props.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems);
  const size = integerIn(props.diskSizeGB, 1, 32767, 'properties.diskSizeGB', problems);
  if (size !== undefined && size !== current.properties.diskSizeGB) {
    problems.add(
      'properties.diskSizeGB',
      `Resizing a ${current.type} from ${current.properties.diskSizeGB} GB to ${size} GB is not supported by Kiln yet.`,
      'OperationNotAllowed',
    );
  }
  problems.throwIfAny();
  if (osType) next.properties.osType = osType;
  if (generation) next.properties.hyperVGeneration = generation;
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, existing.data.internal), expect: { etag: existing.etag } },
  ]);
  return { disk: next, etag: stored.etag };
}

export async function getDisk(ctx: DomainContext, family: DiskFamily, ref: ResourceRef): Promise<DiskRecord> {
  return requireGroupResource<Disk, DiskInternal>(ctx, diskId(family, ref));
}

export function listDisks(ctx: DomainContext, family: DiskFamily, where: ListScope, page: PageRequest) {
  return listInScope<Disk>(ctx, family.type.toLowerCase(), where, page);
}

/** Removes the disk now and its bytes (sealed or mid-upload) through a durable job. */
export async function deleteDisk(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
  conditions?: Conditions,
): Promise<boolean> {
  await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const existing = await getResource<Disk, DiskInternal>(ctx, diskId(family, ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  const disk = existing.data.resource;
  if (disk.managedBy)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Disk ${disk.name} is attached to VM ${disk.managedBy}. Delete the VM, or detach the disk from it, first.`,
    );
  const blob = { region: disk.location, key: diskBlobKey(family, disk.properties.uniqueId) };
  const staging =
    disk.properties.diskState === 'ReadyToUpload' || disk.properties.diskState === 'ActiveUpload' ? [blob] : [];
  const writes: Write[] = [
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    closeGrant(blob.region, blob.key),
  ];
  writes.push(
    ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: existing.data.internal.blobs, staging } }),
  );
  await ctx.store.apply(writes);
  ctx.jobs.nudge();
  return true;
}

/**
 * A region whose store cannot hold a disk of this size (an Azure Blob region: 8 TiB page blobs)
 * refuses it now, naming the field, rather than failing the disk later.
 */
function checkRegionTakes(ctx: DomainContext, region: string, dataSize: number, option: string): void {
  const limit = ctx.regions.get(region)?.maxStagingBytes;
  if (limit === undefined || dataSize + VHD_FOOTER_SIZE <= limit) return;
  const field = option === 'Upload' ? 'properties.creationData.uploadSizeBytes' : 'properties.diskSizeGB';
  throw new ArmError(
    400,
    'InvalidParameter',
    `A disk of ${dataSize} bytes is over what region '${region}' stores, ${Math.floor((limit - VHD_FOOTER_SIZE) / GIB)} GiB (its blob store's largest page blob); choose a smaller size.`,
    field,
  );
}
