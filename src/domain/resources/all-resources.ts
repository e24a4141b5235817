/**
 * Every record of some kinds in a subscription or group, read whole, in insert order: what a summary
 * over all of them needs (a subscription's tag names, a group's exported template), as opposed to a
 * page of a list.
 */
import type { ListQuery, StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import { TRACKED_KINDS } from './generic-resource.ts';

const BATCH = 500;

/** Every record of `kinds` matching `query`, oldest first. */
export async function allRecords<D>(
  ctx: DomainContext,
  kinds: readonly string[],
  query: Omit<ListQuery, 'kind' | 'limit' | 'afterSeq'>,
): Promise<StoredRecord<D>[]> {
  const found: StoredRecord<D>[] = [];
  for (const kind of kinds) {
    for (let afterSeq: number | undefined; ;) {
      const batch = await ctx.store.list<D>({ ...query, kind, afterSeq, limit: BATCH });
      found.push(...batch);
      if (batch.length < BATCH) break;
      afterSeq = batch[batch.length - 1].seq;
    }
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/** Every tracked resource of a subscription, or of one of its groups, oldest first. */
export const allTrackedResources = (ctx: DomainContext, subscription: string, resourceGroup?: string) =>
  allRecords<ResourceData<ArmResource, unknown>>(ctx, TRACKED_KINDS, {
    subscription: subscription.toLowerCase(),
    resourceGroup: resourceGroup?.toLowerCase(),
  });
