/** Microsoft.Resources/resourceGroups: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { resourceGroupId, resourceKey } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperation, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listResources } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceGroupRef } from '../shared/resource-ref.ts';
import { beingDeleted, checkLocation, checkTags, requireResourceGroup, requireSubscription } from '../shared/scope.ts';
import {
  RESOURCE_GROUP_KIND,
  checkManagedBy,
  checkResourceGroupName,
  newResourceGroup,
  refuseReservedGroup,
  type ResourceGroup,
  type ResourceGroupRecord,
} from './resource-group.ts';

export async function createOrUpdateResourceGroup(
  ctx: DomainContext,
  { subscription, name }: ResourceGroupRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<{ created: boolean; group: ResourceGroup; etag: string }> {
  requireSubscription(ctx, subscription);
  checkResourceGroupName(name);
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const managedBy = checkManagedBy(body.managedBy, problems);
  problems.throwIfAny();

  const existing = await ctx.store.get<ResourceGroupRecord['data']>(resourceKey(resourceGroupId(subscription, name)));
  refuseReservedGroup(name, existing ? 'updated' : 'created');
  checkConditions(conditions, existing?.etag);
  if (existing) {
    const current = existing.data.resource;
    if (current.properties.provisioningState === 'Deleting') throw beingDeleted(name);
    if (current.location !== location) {
      throw new ArmError(
        409,
        'InvalidResourceGroupLocation',
        `Invalid resource group location '${location}'. The Resource group already exists in location '${current.location}'.`,
        'location',
      );
    }
  }
  // An update keeps the stored name's case, as ARM does.
  const group = newResourceGroup(subscription, existing?.data.resource.name ?? name, location, tags, managedBy);
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(group, {}), expect: existing ? { etag: existing.etag } : { absent: true } },
  ]);
  return { created: !existing, group, etag: stored.etag };
}

export async function getResourceGroup(
  ctx: DomainContext,
  { subscription, name }: ResourceGroupRef,
): Promise<ResourceGroupRecord> {
  return (await requireResourceGroup(ctx, subscription, name)) as ResourceGroupRecord;
}

export async function listResourceGroups(
  ctx: DomainContext,
  { subscription }: Pick<ListScope, 'subscription'>,
  page: PageRequest,
) {
  requireSubscription(ctx, subscription);
  return listResources<ResourceGroup>(
    ctx,
    { kind: RESOURCE_GROUP_KIND, subscription: subscription.toLowerCase() },
    page,
  );
}

/** PATCH: tags and managedBy only, as ARM allows. */
export async function updateResourceGroup(
  ctx: DomainContext,
  ref: ResourceGroupRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  const { subscription, name } = ref;
  const existing = await getResourceGroup(ctx, ref);
  refuseReservedGroup(name, 'updated');
  checkConditions(conditions, existing.etag);
  if (existing.data.resource.properties.provisioningState === 'Deleting') throw beingDeleted(name);
  const problems = new Problems();
  const tags = body.tags === undefined ? existing.data.resource.tags : checkTags(body.tags, problems);
  const managedBy =
    body.managedBy === undefined ? existing.data.resource.managedBy : checkManagedBy(body.managedBy, problems);
  problems.throwIfAny();
  const current = existing.data.resource;
  const group = newResourceGroup(subscription, current.name, current.location, tags, managedBy);
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(group, {}), expect: { etag: existing.etag } },
  ]);
  return { group, etag: stored.etag };
}

/**
 * Marks the group Deleting and hands the rest (every resource inside, their bytes, then the group)
 * to a durable job, answered through the returned operation. `startedBy` (the caller's object id) may
 * poll it to the end, though the delete takes away the role assignments in the group.
 */
export async function deleteResourceGroup(
  ctx: DomainContext,
  { subscription, name }: ResourceGroupRef,
  startedBy?: string,
): Promise<OperationData | undefined> {
  requireSubscription(ctx, subscription);
  const existing = await ctx.store.get<ResourceGroupRecord['data']>(resourceKey(resourceGroupId(subscription, name)));
  if (!existing) return undefined;
  const group = existing.data.resource;
  refuseReservedGroup(group.name, 'deleted');
  const operation = startOperation(
    { subscription, namespace: 'Microsoft.Resources', location: group.location, resourceId: group.id, startedBy },
    ctx.clock.now(),
  );
  const writes: Write[] = [operation.write];
  if (group.properties.provisioningState !== 'Deleting') {
    const deleting: ResourceGroup = { ...group, properties: { provisioningState: 'Deleting' } };
    writes.push({ op: 'put', record: resourceRecord(deleting, {}), expect: { etag: existing.etag } });
  }
  writes.push(
    ctx.jobs.enqueueWrite({
      task: 'resourceGroup.delete',
      payload: { groupKey: existing.key, operation: operation.data },
    }),
  );
  await ctx.store.apply(writes);
  ctx.jobs.nudge();
  return operation.data;
}
