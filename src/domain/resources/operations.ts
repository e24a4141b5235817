/**
 * Microsoft.Resources/resources: Resources - List and List By Resource Group, every tracked resource
 * of a subscription or of a group, filtered and paged as ARM does. Reads only; a resource is read,
 * changed and deleted by id through its own type's routes.
 */
import type { DomainContext } from '../context.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import { listKindsPage, type Page, type PageRequest } from '../shared/paging.ts';
import type { ListScope } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireSubscription } from '../shared/scope.ts';
import { filteredView, genericResource, parseExpand, TRACKED_KINDS, type GenericResource } from './generic-resource.ts';
import { parseResourceFilter } from './resource-filter.ts';

export interface ResourceListQuery {
  $filter?: string;
  $expand?: string;
}

export async function listGenericResources(
  ctx: DomainContext,
  { subscription, resourceGroup }: ListScope,
  query: ResourceListQuery,
  page: PageRequest,
): Promise<Page<GenericResource>> {
  requireSubscription(ctx, subscription);
  if (resourceGroup !== undefined) await requireResourceGroup(ctx, subscription, resourceGroup);
  const filter = parseResourceFilter(query.$filter);
  const expand = parseExpand(query.$expand);
  const kinds = filter.type === undefined ? TRACKED_KINDS : TRACKED_KINDS.filter((kind) => kind === filter.type);
  const group = resourceGroup ?? filter.resourceGroup;
  return listKindsPage<ResourceData<ArmResource, unknown>, GenericResource>(
    ctx.store,
    kinds,
    { subscription: subscription.toLowerCase(), resourceGroup: group?.toLowerCase() },
    page,
    (record) => (filter.test(filteredView(record)) ? genericResource(record, expand) : undefined),
  );
}
