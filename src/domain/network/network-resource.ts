/**
 * What the Microsoft.Network types that sit directly in a resource group (virtual networks, security
 * groups, public IP addresses, network interfaces) do alike: their ids, the frame of their PUT and
 * DELETE (name, group, record and conditions read; run again from a fresh read when a record changed
 * before the batch landed), and their GET, list and PATCH (tags), which differ only by type.
 */
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import {
  type ArmResource,
  getResource,
  requireGroupResource,
  type ResourceData,
  type ResourceRecord,
} from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName } from '../shared/validate.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { updateTags } from './own-record.ts';

/** NRP's weak etag in a body (`W/"..."`), made from the record's etag, which the ETag header and If-Match use too; a child carries its parent's. */
export const weakEtag = (etag: string) => `W/"${etag}"`;

export interface NetworkResourceType<D extends ResourceData<ArmResource, unknown>, R extends ArmResource> {
  /** The type's segment of its ids: `virtualNetworks`. */
  collection: string;
  /** The resource as GET serves it. */
  present(data: D, etag: string): R;
}

export const networkResourceId = (collection: string, ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Network',
  types: [[collection, ref.name]],
});

type RecordOf<D extends ResourceData<ArmResource, unknown>> = ResourceRecord<D['resource'], D['internal']>;

/** Where a PUT writes: the resource's id, its group's name as stored, and the record there, if any. */
export interface PutAt<D extends ResourceData<ArmResource, unknown>> {
  id: string;
  group: string;
  existing?: RecordOf<D>;
}

/** A PUT's frame: `write` runs once the name, the group and the conditions are checked. */
export function putNetworkResource<D extends ResourceData<ArmResource, unknown>, T>(
  ctx: DomainContext,
  collection: string,
  ref: ResourceRef,
  conditions: Conditions | undefined,
  write: (at: PutAt<D>) => Promise<T>,
): Promise<T> {
  checkComputeResourceName(ref.name, 'name');
  return retryOnRace(async () => {
    const group = (await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup)).data.resource.name;
    const id = formatResourceId(networkResourceId(collection, { ...ref, resourceGroup: group }));
    const existing = await getResource<D['resource'], D['internal']>(ctx, id);
    checkConditions(conditions, existing?.etag);
    return write({ id, group, existing });
  });
}

/** A DELETE's frame: false when there is nothing; else the record goes with the writes `release` makes. */
export function deleteNetworkResource<D extends ResourceData<ArmResource, unknown>>(
  ctx: DomainContext,
  collection: string,
  ref: ResourceRef,
  conditions: Conditions | undefined,
  release: (existing: RecordOf<D>) => Promise<Write[]>,
): Promise<boolean> {
  return retryOnRace(async () => {
    await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
    const existing = await getResource<D['resource'], D['internal']>(ctx, networkResourceId(collection, ref));
    checkConditions(conditions, existing?.etag);
    if (!existing) return false;
    const writes = await release(existing);
    await ctx.store.apply([{ op: 'delete', key: existing.key, expect: { etag: existing.etag } }, ...writes]);
    return true;
  });
}

/** GET, list (by group or subscription) and PATCH (NRP's updateTags: tags only) of a type. */
export function networkResourceReads<D extends ResourceData<ArmResource, unknown>, R extends ArmResource>({
  collection,
  present,
}: NetworkResourceType<D, R>) {
  const kind = `microsoft.network/${collection.toLowerCase()}`;
  return {
    async get(ctx: DomainContext, ref: ResourceRef) {
      const record = await requireGroupResource<D['resource'], D['internal']>(ctx, networkResourceId(collection, ref));
      return { body: present(record.data as D, record.etag), etag: record.etag };
    },
    list(ctx: DomainContext, where: ListScope, page: PageRequest) {
      return listInScope<R>(ctx, kind, where, page, (record) => present(record.data as D, record.etag));
    },
    async updateTags(ctx: DomainContext, ref: ResourceRef, body: Record<string, unknown>, conditions?: Conditions) {
      const { data, etag } = await updateTags<D>(ctx, networkResourceId(collection, ref), body, conditions);
      return { body: present(data, etag), etag };
    },
  };
}
