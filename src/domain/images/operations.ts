/** Microsoft.Compute/images: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { resolveManagedSource, resolveVhdBlob, type ResolvedSource } from '../disks/disk-source.ts';
import { GIB } from '../disks/disk.ts';
import { HYPERV_GENERATIONS } from '../disks/validate-disk.ts';
import { startOperation, type OperationData } from '../operations/operation.ts';
import { getResource, requireGroupResource, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { checkTags, requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName, enumValue, isObject } from '../shared/validate.ts';
import { imageBlobKey, type Image, type ImageDisk, type ImageInternal, type ImageRecord } from './image.ts';
import type { ImageCopy } from './create-image.ts';
import { machineDisks, type MachineDisks } from './from-machine.ts';
import { validateImageBody, type ImageSpec } from './validate-image.ts';

const imageId = (ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Compute',
  types: [['images', ref.name]],
});

/** PUT: 201 for a new image, 200 for a replaced one; the disk bytes are pinned by a job. */
export async function createOrUpdateImage(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<{ status: 200 | 201; image: Image; etag: string; operation: OperationData }> {
  checkComputeResourceName(ref.name, 'name');
  const group = await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const id = imageId({ ...ref, resourceGroup: group.data.resource.name });
  const existing = await getResource<Image, ImageInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (existing?.data.resource.properties.provisioningState === 'Creating') {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The image '${ref.name}' is still being created; wait for it to finish before changing it.`,
    );
  }
  const spec = validateImageBody(ctx, body);
  const uniqueId = newGuid();
  const {
    osDisk,
    source: osSource,
    dataDisks,
  } = spec.sourceVirtualMachine ? await machineDisks(ctx, spec) : await givenDisks(ctx, spec);
  const copies: ImageCopy[] = [
    { from: osSource.blob, to: { region: spec.location, key: imageBlobKey(uniqueId, 'os') } },
    ...dataDisks.map(({ disk, source }) => ({
      from: source.blob,
      to: { region: spec.location, key: imageBlobKey(uniqueId, disk.lun!) },
    })),
  ];

  const image = imageResource(
    id,
    spec,
    osDisk,
    osSource,
    dataDisks.map(({ disk }) => disk),
  );
  const operation = startOperation(
    { subscription: ref.subscription, namespace: 'Microsoft.Compute', location: spec.location, resourceId: image.id },
    ctx.clock.now(),
  );
  const record = resourceRecord<Image, ImageInternal>(image, { blobs: existing?.data.internal.blobs ?? [] });
  const job = ctx.jobs.enqueueWrite({
    task: 'image.create',
    payload: { key: record.key, operation: operation.data, copies },
  });
  const [stored] = await ctx.store.apply([
    { op: 'put', record, expect: existing ? { etag: existing.etag } : { absent: true } },
    operation.write,
    job,
  ]);
  ctx.jobs.nudge();
  return { status: existing ? 200 : 201, image, etag: stored.etag, operation: operation.data };
}

/** The disks a body names, each source checked. */
async function givenDisks(ctx: DomainContext, spec: ImageSpec): Promise<MachineDisks> {
  const source = await resolveDiskSource(ctx, spec.osDisk!, 'properties.storageProfile.osDisk');
  const dataDisks: MachineDisks['dataDisks'] = [];
  for (const [i, disk] of spec.dataDisks.entries())
    dataDisks.push({ disk, source: await resolveDiskSource(ctx, disk, `properties.storageProfile.dataDisks[${i}]`) });
  return { osDisk: spec.osDisk!, source, dataDisks };
}

/** Checks one disk's source exists and has bytes; a size smaller than the source is refused. */
async function resolveDiskSource(ctx: DomainContext, disk: ImageDisk, target: string): Promise<ResolvedSource> {
  const source = disk.blobUri
    ? await resolveVhdBlob(ctx, disk.blobUri, `${target}.blobUri`)
    : await resolveManagedSource(
        ctx,
        (disk.managedDisk ?? disk.snapshot)!.id,
        `${target}.${disk.managedDisk ? 'managedDisk' : 'snapshot'}.id`,
      );
  if (disk.diskSizeGB !== undefined && disk.diskSizeGB * GIB < source.dataSize) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${target}.diskSizeGB' (${disk.diskSizeGB} GB) is smaller than its source (${source.dataSize} bytes).`,
      `${target}.diskSizeGB`,
    );
  }
  return source;
}

function imageResource(
  id: ResourceId,
  spec: ImageSpec,
  osDisk: ImageDisk,
  osSource: ResolvedSource,
  dataDisks: ImageDisk[],
): Image {
  const image: Image = {
    id: formatResourceId(id),
    name: id.types[0][1],
    type: 'Microsoft.Compute/images',
    location: spec.location,
    properties: {
      ...(spec.sourceVirtualMachine ? { sourceVirtualMachine: spec.sourceVirtualMachine } : {}),
      storageProfile: { osDisk, dataDisks },
      provisioningState: 'Creating',
    },
  };
  if (spec.tags) image.tags = spec.tags;
  if (spec.extendedLocation) image.extendedLocation = spec.extendedLocation;
  if (spec.zoneResilient !== undefined) image.properties.storageProfile.zoneResilient = spec.zoneResilient;
  const generation = spec.hyperVGeneration ?? osSource.hyperVGeneration;
  if (generation) image.properties.hyperVGeneration = generation;
  return image;
}

export async function getImage(ctx: DomainContext, ref: ResourceRef): Promise<ImageRecord> {
  return requireGroupResource<Image, ImageInternal>(ctx, imageId(ref));
}

export function listImages(ctx: DomainContext, where: ListScope, page: PageRequest) {
  return listInScope<Image>(ctx, 'microsoft.compute/images', where, page);
}

/** PATCH: tags and hyperVGeneration; new disk sources go through PUT, which re-pins the bytes. */
export async function updateImage(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  const existing = await getImage(ctx, ref);
  checkConditions(conditions, existing.etag);
  const problems = new Problems();
  const props = isObject(body.properties) ? body.properties : {};
  const next: Image = structuredClone(existing.data.resource);
  if (body.tags !== undefined) next.tags = checkTags(body.tags, problems);
  const generation = enumValue(props.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems);
  if (generation) next.properties.hyperVGeneration = generation;
  for (const field of ['storageProfile', 'sourceVirtualMachine']) {
    if (props[field] !== undefined)
      problems.add(
        `properties.${field}`,
        `'properties.${field}' cannot be changed with PATCH; send the whole image with PUT.`,
        'PropertyChangeNotAllowed',
      );
  }
  problems.throwIfAny();
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, existing.data.internal), expect: { etag: existing.etag } },
  ]);
  return { image: next, etag: stored.etag };
}

export async function deleteImage(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions): Promise<boolean> {
  await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const existing = await getResource<Image, ImageInternal>(ctx, imageId(ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: existing.data.internal.blobs } }),
  ]);
  ctx.jobs.nudge();
  return true;
}
