/** The job side of a resource group delete: every resource's bytes first, then all the records at once. */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import { ownedBlobs, resourceRecord } from '../shared/arm-resource.ts';
import { refuseReservedGroup, type ResourceGroupRecord } from './resource-group.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import { deleteVirtualMachine } from '../virtual-machines/operations.ts';
import { VIRTUAL_MACHINE_KIND } from '../virtual-machines/virtual-machine.ts';
import {
  GALLERY_IMAGE_VERSION_KIND,
  type GalleryImageVersion,
} from '../gallery-image-versions/gallery-image-version.ts';
import {
  SOFT_DELETED_VERSION_KIND,
  type SoftDeletedVersionRecord,
} from '../soft-deleted-resources/soft-deleted-version.ts';

export interface DeleteGroupPayload {
  groupKey: string;
  operation: OperationData;
}

/**
 * The writes that delete the group's contents; undefined while VMs in it are still being deleted (each
 * gets its own delete first, which stops it on its host): the job checks back shortly.
 */
export async function deleteGroupContents(
  ctx: DomainContext,
  payload: DeleteGroupPayload,
): Promise<Write[] | undefined> {
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' });
  const group = await ctx.store.get<ResourceGroupRecord['data']>(payload.groupKey);
  if (!group) return [done];
  // A delete queued before the name was reserved fails here, keeping the storage role assignments.
  refuseReservedGroup(group.data.resource.name, 'deleted');
  const inside = await ctx.store.list<ResourceGroupRecord['data']>({
    subscription: group.subscription,
    resourceGroup: group.data.resource.name.toLowerCase(),
    limit: 100_000,
  });
  const machines = inside.filter((record) => record.kind === VIRTUAL_MACHINE_KIND);
  if (machines.length > 0) {
    for (const machine of machines) {
      const id = parseResourceId(machine.data.resource.id)!;
      await deleteVirtualMachine(ctx, {
        subscription: id.subscription,
        resourceGroup: id.resourceGroup!,
        name: id.types[0][1],
      });
    }
    return undefined;
  }
  const writes: Write[] = [];
  // Gallery image versions keep shared chunks, not owned blobs: collection finds which ones went unreferenced.
  const chunkRegions = new Set<string>();
  for (const record of inside) {
    for (const blob of ownedBlobs(record.data)) await ctx.regions.get(blob.region)?.delete(blob.key);
    const version = chunkHolder(record);
    if (version) for (const target of version.properties.publishingProfile.targetRegions) chunkRegions.add(target.name);
    writes.push({ op: 'delete', key: record.key });
  }
  for (const region of chunkRegions)
    writes.push(ctx.jobs.enqueueWrite({ task: 'chunks.gc', payload: { region }, maxAttempts: 100 }));
  return [...writes, done];
}

/** The version whose chunks a record holds: a gallery image version's own, or a soft-deleted one's kept. */
function chunkHolder(record: { kind: string; data: unknown }): GalleryImageVersion | undefined {
  if (record.kind === GALLERY_IMAGE_VERSION_KIND) return (record.data as { resource: GalleryImageVersion }).resource;
  if (record.kind === SOFT_DELETED_VERSION_KIND)
    return (record.data as SoftDeletedVersionRecord['data']).internal.version.resource;
  return undefined;
}

/** A failed delete leaves the group usable again, as ARM does. */
export async function failGroupDelete(
  ctx: DomainContext,
  payload: DeleteGroupPayload,
  error: ArmErrorBody,
): Promise<Write[]> {
  const failed = finishOperation(payload.operation, ctx.clock.now(), { status: 'Failed', error });
  const group = await ctx.store.get<ResourceGroupRecord['data']>(payload.groupKey);
  if (!group) return [failed];
  const restored = { ...group.data.resource, properties: { provisioningState: 'Succeeded' as const } };
  return [{ op: 'put', record: resourceRecord(restored, {}), expect: { etag: group.etag } }, failed];
}
