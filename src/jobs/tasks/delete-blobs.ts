import type { DomainContext } from '../../domain/context.ts';
import type { TaskPayloads } from '../../domain/task-payloads.ts';
import type { TaskHandler } from '../task.ts';

/** Deletes bytes nobody references any more (sealed blobs and abandoned uploads); deleting twice is harmless. */
export function deleteBlobsTask(ctx: DomainContext): TaskHandler<TaskPayloads['blobs.delete']> {
  return {
    async run(payload) {
      for (const blob of payload.blobs) await ctx.regions.get(blob.region)?.delete(blob.key);
      for (const blob of payload.staging ?? []) await ctx.regions.get(blob.region)?.deleteStaging(blob.key);
      for (const { region, prefix } of payload.prefixes ?? []) {
        const store = ctx.regions.get(region);
        for (const blob of (await store?.list(prefix)) ?? []) await store!.delete(blob.key);
      }
      return [];
    },
    async fail() {
      return [];
    },
  };
}
