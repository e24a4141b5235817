/**
 * After a node starts, the VMs placed on it (placement.ts) that were running when it stopped run
 * again: each whose power state is `running` and whose last operation finished gets a `start` job
 * (and its operation) on this node in one batch, as a user's start would. A VM with an operation
 * under way needs nothing: its job is durable and runs again once its lease expires, doing the same
 * work from the start. VMs placed before nodes were recorded (no node, not deallocated, no job under
 * way) were this node's, the only one then: they are placed here.
 *
 * Answers the `vmId`s of the VMs placed on this node: the folders of any other are stale.
 */
import type { DomainContext } from '../context.ts';
import { listMachines, placeOn, startOnWrites } from './placement.ts';

export async function resumeMachines(ctx: DomainContext, node: string): Promise<Set<string>> {
  const placed = new Set<string>();
  let resumed = 0;
  for (const record of await listMachines(ctx)) {
    const { power, operation } = record.data.internal;
    const legacy = !record.data.internal.node && !operation && power !== 'deallocated';
    const here = legacy ? node : record.data.internal.node;
    if (here !== node) continue;
    placed.add(record.data.resource.properties.vmId);
    // Changed meanwhile: whoever changed it decides what runs (and where).
    if (power === 'running' && !operation)
      await ctx.store.apply(startOnWrites(ctx, record, node)).then(
        () => resumed++,
        () => undefined,
      );
    else if (legacy) await placeOn(ctx, record, node).catch(() => undefined);
  }
  if (resumed > 0) ctx.jobs.nudge();
  return placed;
}
