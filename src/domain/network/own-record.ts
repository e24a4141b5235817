/**
 * What every Microsoft.Network write does with the resource's own record: it lands in one batch with
 * the linked records' writes (linked-records.ts), new (`absent`) or replacing the record it read (its
 * etag); a resource keeps its region, as ARM requires; PATCH changes tags only.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { requireResource, resourceRecord, type ArmResource, type ResourceData } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { checkTags, requireResourceGroup } from '../shared/scope.ts';
import { refuseOtherMembers } from './fields.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';

/** Puts `data` over `existing` (or as new) with `more` writes in one batch; the stored record's etag. */
export async function putOwnRecord(
  ctx: DomainContext,
  data: ResourceData<ArmResource, unknown>,
  existing: StoredRecord | undefined,
  more: Write[],
): Promise<string> {
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(data.resource, data.internal),
      expect: existing ? { etag: existing.etag } : { absent: true },
    },
    ...more,
  ]);
  return stored.etag;
}

/** ARM's refusal to move a resource to another region by PUT. */
export function refuseLocationChange(existing: ArmResource | undefined, location: string, group: string): void {
  if (!existing || existing.location === location) return;
  throw new ArmError(
    409,
    'InvalidResourceLocation',
    `The resource '${existing.name}' already exists in location '${existing.location}' in resource group '${group}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
    'location',
  );
}

/** PATCH (`updateTags`): NRP's TagsObject, `{ "tags": {...} }`, replaces the resource's tags (`{}` or null removes them). */
export async function updateTags<D extends ResourceData<ArmResource, unknown>>(
  ctx: DomainContext,
  id: ResourceId,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<{ data: D; etag: string }> {
  const problems = new Problems();
  refuseOtherMembers(body, '', ['tags'], problems);
  const tags = checkTags(body.tags, problems);
  problems.throwIfAny();
  return retryOnRace(async () => {
    await requireResourceGroup(ctx, id.subscription, id.resourceGroup!);
    const existing = await requireResource<D['resource'], D['internal']>(ctx, id);
    checkConditions(conditions, existing.etag);
    const data = structuredClone(existing.data) as D;
    if (tags && Object.keys(tags).length > 0) data.resource.tags = tags;
    else if (body.tags !== undefined) delete data.resource.tags;
    return { data, etag: await putOwnRecord(ctx, data, existing, []) };
  });
}
