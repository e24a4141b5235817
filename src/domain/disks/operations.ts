/** Microsoft.Compute/disks and /snapshots: one function per REST operation, parameterized by family. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { formatResourceId } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperation } from '../operations/operation.ts';
import { getResource, requireGroupResource, resourceRecord } from '../shared/arm-resource.ts';
import { closeGrant } from '../shared/blob-grants.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName } from '../shared/validate.ts';
import {
  GIB,
  diskBlobKey,
  diskBytes,
  skuTier,
  type Disk,
  type DiskFamily,
  type DiskInternal,
  type DiskRecord,
} from './disk.ts';
import { COPY_STARTED, checkCopyStartSource } from './copy-start.ts';
import { PLATFORM_KEY, checkPerformance, describeOs } from './disk-settings.ts';
import { checkSharesAndBursting } from './shares-and-bursting.ts';
import { resolveManagedSource, resolveVhdBlob, type ResolvedSource } from './disk-source.ts';
import { checkRegionTakes, conflictOnRace, diskId, propertiesOf, type DiskWriteResult } from './disk-writes.ts';
import type { FillSource } from './fill.ts';
import { resolveImageSource } from './image-source.ts';
import { replaceDisk } from './update-disk.ts';
import {
  checkMatchesImage,
  checkSizeMatchesSource,
  imageDiskBytes,
  validateDiskBody,
  type DiskSpec,
} from './validate-disk.ts';

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
  if (existing) return replaceDisk(ctx, family, existing, body);

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
  const sizeGB = Math.ceil(dataSize / GIB);
  const problems = new Problems();
  const props = propertiesOf(body);
  const performance =
    family.collection === 'disks'
      ? {
          ...checkPerformance(props, spec.sku, sizeGB, problems),
          ...checkSharesAndBursting(props, spec.sku, sizeGB, ctx.clock.now(), problems),
        }
      : {};
  const snapshot = family.collection === 'snapshots' ? snapshotKind(spec, source, problems) : {};
  problems.throwIfAny();
  const disk: Disk = {
    id: formatResourceId(id),
    name: ref.name,
    type: family.type,
    location: spec.location,
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.zones ? { zones: spec.zones } : {}),
    sku: { name: spec.sku, tier: skuTier(spec.sku) },
    properties: {
      ...((spec.osType ?? source?.osType) ? { osType: spec.osType ?? source?.osType } : {}),
      ...((spec.hyperVGeneration ?? source?.hyperVGeneration)
        ? { hyperVGeneration: spec.hyperVGeneration ?? source?.hyperVGeneration }
        : {}),
      creationData: spec.creationData,
      diskSizeGB: sizeGB,
      diskSizeBytes: dataSize,
      uniqueId,
      timeCreated: ctx.clock.now().toISOString(),
      provisioningState: option === 'Upload' ? 'Succeeded' : 'Creating',
      diskState: option === 'Upload' ? 'ReadyToUpload' : 'Unattached',
      encryption: { type: PLATFORM_KEY },
      ...spec.access,
      ...(spec.securityProfile ? { securityProfile: spec.securityProfile } : {}),
      ...describeOs(source?.os ?? {}, spec.os),
      ...performance,
      ...snapshot,
    },
  };
  const target = { region: spec.location, key: diskBlobKey(family, uniqueId) };
  const record = resourceRecord<Disk, DiskInternal>(disk, { blobs: [] });

  if (option === 'CopyStart') {
    // Azure's CopyStart is done at once and copies in the background (copy-start.ts).
    Object.assign(disk.properties, { provisioningState: 'Succeeded', ...COPY_STARTED });
    const { sourceResourceId, sourceUniqueId } = spec.creationData;
    const payload = {
      key: record.key,
      uniqueId,
      source: { id: sourceResourceId!, uniqueId: sourceUniqueId!, blob: source!.fill.blob! },
      target,
    };
    const job = ctx.jobs.enqueueWrite({ task: 'disk.copyStart', payload });
    const [stored] = await ctx.store.apply([{ op: 'put', record, expect: { absent: true } }, job]).catch((error) => {
      throw conflictOnRace(error, id);
    });
    ctx.jobs.nudge();
    return { status: 200, disk, etag: stored.etag };
  }

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
interface DiskSource extends Pick<
  ResolvedSource,
  'dataSize' | 'sourceUniqueId' | 'osType' | 'hyperVGeneration' | 'os' | 'snapshotFamily'
> {
  fill: FillSource;
}

/** Whether a new snapshot is incremental, and then the family it joins: its source disk's. */
function snapshotKind(
  spec: DiskSpec,
  source: DiskSource | undefined,
  problems: Problems,
): Pick<Disk['properties'], 'incremental' | 'incrementalSnapshotFamilyId'> {
  if (!spec.incremental) return { incremental: false };
  if (source?.snapshotFamily) return { incremental: true, incrementalSnapshotFamilyId: source.snapshotFamily };
  problems.add(
    'properties.incremental',
    `An incremental snapshot is made of a managed disk or of an incremental snapshot of one; '${spec.creationData.sourceResourceId}' is a full snapshot.`,
  );
  return {};
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
    createOption === 'Copy' || createOption === 'CopyStart'
      ? await resolveManagedSource(ctx, sourceResourceId!, 'properties.creationData.sourceResourceId')
      : createOption === 'Import'
        ? await resolveVhdBlob(ctx, sourceUri!, 'properties.creationData.sourceUri')
        : undefined;
  if (!copied) return undefined;
  if (createOption === 'CopyStart') checkCopyStartSource(sourceResourceId!, copied);
  checkSizeMatchesSource(spec.diskSizeGB, copied.dataSize);
  return { ...copied, fill: { blob: copied.blob } };
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
  const blob = diskBytes(family, existing);
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
