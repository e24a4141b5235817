/**
 * Where the tags of a scope live, read and written as one: a resource's and a group's in their own
 * record (`tags`, beside everything else the resource is), a subscription's in a record of its own.
 * A write is one put guarded by the etag it was read at, so the record's etag (and a Network
 * resource's body etag, made from it) changes with it, and a write that lost a race runs again from
 * a fresh read (`retryOnRace`).
 */
import { badRequest } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { NewRecord, StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { isTracked } from '../resources/generic-resource.ts';
import { requireResource, type ArmResource, type ResourceData } from '../shared/arm-resource.ts';
import { beingDeleted, requireResourceGroup, requireSubscription } from '../shared/scope.ts';

export type Tags = Record<string, string>;

/** The record of a subscription's own tags. */
export const SUBSCRIPTION_TAGS_KIND = 'microsoft.resources/tags';

interface SubscriptionTags {
  tags: Tags;
}

/** A scope's tags as read, and the put that gives it others (in the record's own shape, etag-guarded). */
interface Tagged {
  /** The scope as stored: its id in the record's own spelling. */
  id: string;
  tags: Tags;
  write(tags: Tags): { op: 'put'; record: NewRecord; expect: { etag: string } | { absent: true } };
}

const withoutStoreFields = ({ key, kind, subscription, resourceGroup, parent, data }: StoredRecord): NewRecord => ({
  key,
  kind,
  subscription,
  resourceGroup,
  parent,
  data,
});

/** A group's or resource's record with `tags` (none left: no `tags` member, as a resource made without tags). */
function retagged(record: StoredRecord<ResourceData<ArmResource, unknown>>): Tagged {
  const { resource } = record.data;
  return {
    id: resource.id,
    tags: resource.tags ?? {},
    write(tags) {
      const { tags: _old, ...rest } = resource;
      const changed = Object.keys(tags).length > 0 ? { ...rest, tags } : rest;
      return {
        op: 'put',
        record: { ...withoutStoreFields(record), data: { ...record.data, resource: changed } },
        expect: { etag: record.etag },
      };
    },
  };
}

async function subscriptionTags(ctx: DomainContext, subscription: string): Promise<Tagged> {
  const { id } = requireSubscription(ctx, subscription);
  const key = `/subscriptions/${id}/providers/microsoft.resources/tags/default`.toLowerCase();
  const stored = await ctx.store.get<SubscriptionTags>(key);
  return {
    id: `/subscriptions/${id}`,
    tags: stored?.data.tags ?? {},
    write: (tags) => ({
      op: 'put',
      record: {
        key,
        kind: SUBSCRIPTION_TAGS_KIND,
        subscription: id.toLowerCase(),
        resourceGroup: null,
        parent: null,
        data: { tags },
      },
      expect: stored ? { etag: stored.etag } : { absent: true },
    }),
  };
}

/** The tags at `scope` (a subscription, group or tracked resource id): 404 when it does not exist, as ARM answers. */
export async function readTagged(ctx: DomainContext, scope: string): Promise<Tagged> {
  const id = parseResourceId(scope);
  if (!id)
    throw badRequest(
      'InvalidScope',
      `The scope '${scope}' is not a subscription, resource group or resource id.`,
      'scope',
    );
  if (id.resourceGroup === undefined && id.namespace === undefined) return subscriptionTags(ctx, id.subscription);
  const group = await requireResourceGroup(ctx, id.subscription, id.resourceGroup!);
  if (id.namespace === undefined) {
    const { properties, name } = group.data.resource as { properties?: { provisioningState?: string }; name: string };
    if (properties?.provisioningState === 'Deleting') throw beingDeleted(name);
    return retagged(group);
  }
  const type = resourceTypeOf(id);
  if (!isTracked(type))
    throw badRequest(
      'BadRequest',
      `The resource type '${[id.namespace, ...id.types.map(([t]) => t)].join('/')}' does not support tags: tags are kept on subscriptions, resource groups and tracked resources.`,
      'scope',
    );
  return retagged(await requireResource(ctx, id));
}

/** Reads the tags at `scope`, writes what `change` makes of them, and answers the tags written (a race reads again). */
export function changeTags(
  ctx: DomainContext,
  scope: string,
  change: (tags: Tags) => Tags,
): Promise<{ id: string; tags: Tags }> {
  return retryOnRace(async () => {
    const tagged = await readTagged(ctx, scope);
    const tags = change(tagged.tags);
    await ctx.store.apply([tagged.write(tags)]);
    return { id: tagged.id, tags };
  });
}
