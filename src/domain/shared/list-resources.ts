/**
 * Listing one resource type, as every list operation answers: a page of the resources themselves
 * (never their internal facts), in a subscription or one resource group, or under a parent resource.
 * A list in a resource group that does not exist is ARM's 404, not an empty page. Subscriptions
 * and groups are stored lowercased, so the query is too.
 */
import type { ListQuery, StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import type { ArmResource, ResourceData } from './arm-resource.ts';
import { listPage, type Page, type PageRequest } from './paging.ts';
import type { ListScope } from './resource-ref.ts';
import { requireResourceGroup } from './scope.ts';

/** How a list shows a stored resource: by default its public representation as stored. */
type Present<R> = (record: StoredRecord<ResourceData<ArmResource, unknown>>) => R;
const asStored = <R>(record: StoredRecord<ResourceData<ArmResource, unknown>>) => record.data.resource as R;

/** A page of the resources `query` finds (its kind, and its subscription, group or parent). */
export function listResources<R extends ArmResource>(
  ctx: DomainContext,
  query: Omit<ListQuery, 'limit' | 'afterSeq'>,
  page: PageRequest,
  present: Present<R> = asStored,
): Promise<Page<R>> {
  return listPage<ResourceData<ArmResource, unknown>, R>(ctx.store, query, page, present);
}

/** A page of the resources of `kind` directly in a resource group, in the group `where` names or the whole subscription. */
export async function listInScope<R extends ArmResource>(
  ctx: DomainContext,
  kind: string,
  { subscription, resourceGroup }: ListScope,
  page: PageRequest,
  present?: Present<R>,
): Promise<Page<R>> {
  if (resourceGroup !== undefined) await requireResourceGroup(ctx, subscription, resourceGroup);
  return listResources<R>(
    ctx,
    { kind, subscription: subscription.toLowerCase(), resourceGroup: resourceGroup?.toLowerCase() },
    page,
    present,
  );
}
