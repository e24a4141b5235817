import type { DomainContext } from '../../domain/context.ts';
import type { OwnedBlob } from '../../domain/shared/arm-resource.ts';
import type { TaskHandler } from '../task.ts';

/** Deletes bytes nobody references any more (sealed blobs and abandoned uploads); deleting twice is harmless. */
export function deleteBlobsTask(ctx: DomainContext): TaskHandler {
  return {
    async run(payload) {
      for (const blob of (payload.blobs as OwnedBlob[] | undefined) ?? []) await ctx.regions.get(blob.region)?.delete(blob.key);
      for (const blob of (payload.staging as OwnedBlob[] | undefined) ?? []) await ctx.regions.get(blob.region)?.deleteStaging(blob.key);
      return [];
    },
    async fail() {
      return [];
    },
  };
}
