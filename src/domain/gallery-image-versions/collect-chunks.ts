/**
 * Garbage collection of a region's chunks: a chunk of replica n stays while some version targeting
 * the region with at least n replicas lists it, a soft-deleted version within its retention as much as
 * a live one (soft-deleted-resources/soft-deleted-version.ts); those past it are deleted first. It
 * waits while replication is under way, because a replication skips chunks it finds present and counts
 * on them staying.
 */
import { manifestOf } from '../replication/chunk-manifest.ts';
import { collectGarbage } from '../replication/chunk-store.ts';
import type { DomainContext } from '../context.ts';
import { keptVersions, purgeWrites } from '../soft-deleted-resources/soft-deleted-version.ts';
import { GALLERY_IMAGE_VERSION_KIND, type GalleryImageVersionRecord } from './gallery-image-version.ts';

export class ReplicationUnderWay extends Error {
  constructor(region: string) {
    super(`chunk collection in ${region} waits for replication to finish`);
  }
}

export async function collectRegionChunks(
  ctx: DomainContext,
  region: string,
  replicationRunning: () => Promise<boolean>,
) {
  if (await replicationRunning()) throw new ReplicationUnderWay(region);
  const store = ctx.regions.get(region);
  if (!store) return { deleted: 0, bytesFreed: 0 };
  const purge = await purgeWrites(ctx);
  if (purge.length > 0) await ctx.store.apply(purge);
  const live = (await ctx.store.list<GalleryImageVersionRecord['data']>({
    kind: GALLERY_IMAGE_VERSION_KIND,
    limit: 1_000_000,
  })) as GalleryImageVersionRecord[];
  const versions = [...live, ...(await keptVersions(ctx))];
  const referenced = new Map<number, Set<string>>();
  for (const version of versions) {
    const replicas =
      version.data.resource.properties.publishingProfile.targetRegions.find((t) => t.name === region)
        ?.regionalReplicaCount ?? 0;
    // The home region's primary also holds freshly ingested chunks of a version not yet listing it as done.
    const count = Math.max(replicas, version.data.resource.location === region ? 1 : 0);
    const manifests = version.data.internal.disks.flatMap((disk) => (disk.manifest ? [manifestOf(disk.manifest)] : []));
    for (let replica = 1; replica <= count; replica++) {
      const set = referenced.get(replica) ?? new Set<string>();
      for (const manifest of manifests) for (const run of manifest.runs) set.add(run.sha);
      referenced.set(replica, set);
    }
  }
  const present = new Set((await store.list('replicas/')).map((b) => Number(b.key.split('/')[1])));
  let deleted = 0;
  let bytesFreed = 0;
  for (const replica of present) {
    const result = await collectGarbage(store, replica, referenced.get(replica) ?? new Set());
    deleted += result.deleted;
    bytesFreed += result.bytesFreed;
  }
  return { deleted, bytesFreed };
}
