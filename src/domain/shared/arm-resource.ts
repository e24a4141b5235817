/**
 * How an ARM resource is kept: the public representation exactly as GET returns it, plus the
 * internal facts (where its bytes live) that never leave the server.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceKey, resourceTypeOf, type ResourceId } from '../../core/resource-id.ts';
import type { NewRecord, StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { requireResourceGroup, requireSubscription } from './scope.ts';

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: object;
  [field: string]: unknown;
}

export interface ResourceData<R extends ArmResource = ArmResource, I = Record<string, unknown>> {
  resource: R;
  internal: I;
}

/** Region blobs a resource owns; deleting the resource deletes them. */
export interface OwnedBlob {
  region: string;
  key: string;
}

export function ownedBlobs(data: ResourceData<ArmResource, unknown>): OwnedBlob[] {
  const blobs = (data.internal as { blobs?: OwnedBlob[] } | undefined)?.blobs;
  return Array.isArray(blobs) ? blobs : [];
}

export type ResourceRecord<R extends ArmResource = ArmResource, I = Record<string, unknown>> = StoredRecord<
  ResourceData<R, I>
>;

export function resourceRecord<R extends ArmResource, I>(resource: R, internal: I): NewRecord<ResourceData<R, I>> {
  const id = parseResourceId(resource.id);
  if (!id) throw new Error(`not a resource id: ${resource.id}`);
  const parentTypes = id.types.slice(0, -1);
  return {
    key: resourceKey(id),
    kind: resourceTypeOf(id),
    subscription: id.subscription.toLowerCase(),
    resourceGroup: id.resourceGroup?.toLowerCase() ?? null,
    parent: parentTypes.length > 0 ? resourceKey({ ...id, types: parentTypes }) : null,
    data: { resource, internal },
  };
}

export async function getResource<R extends ArmResource, I>(ctx: DomainContext, id: string | ResourceId) {
  return ctx.store.get<ResourceData<R, I>>(resourceKey(id));
}

/** ARM's 404 for a missing resource, in ARM's words. */
export function resourceNotFound(id: ResourceId): ArmError {
  const typePath = [id.namespace, ...id.types.map(([t]) => t)].join('/');
  const names = id.types.map(([, n]) => n).join('/');
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${typePath}/${names}' under resource group '${id.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export async function requireResource<R extends ArmResource, I>(
  ctx: DomainContext,
  id: ResourceId,
): Promise<ResourceRecord<R, I>> {
  const record = await getResource<R, I>(ctx, id);
  if (!record) throw resourceNotFound(id);
  return record;
}

/**
 * A resource whose parents (its group, the resources above it) must exist, read first and, when it is
 * there, alone: its parents are then there too, since a group's delete removes everything in it in one
 * batch and a parent is deleted only without children (a create racing its parent's delete can leave an
 * orphan, which the generic resource list shows as well). Only a missing resource reads its parents,
 * whose own 404 (ResourceGroupNotFound, a parent's ResourceNotFound) comes first, as in ARM. One store
 * read where reading top-down took one per level, on every GET and every operation that looks one up.
 */
export async function requireResourceUnder<R extends ArmResource, I>(
  ctx: DomainContext,
  id: ResourceId,
  requireParents: () => Promise<unknown>,
): Promise<ResourceRecord<R, I>> {
  requireSubscription(ctx, id.subscription);
  const record = await getResource<R, I>(ctx, id);
  if (record) return record;
  await requireParents();
  throw resourceNotFound(id);
}

/** requireResourceUnder for a resource right in a resource group. */
export const requireGroupResource = <R extends ArmResource, I>(ctx: DomainContext, id: ResourceId) =>
  requireResourceUnder<R, I>(ctx, id, () => requireResourceGroup(ctx, id.subscription, id.resourceGroup!));
