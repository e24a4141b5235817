/**
 * The job side of a version's replication: ingest each source disk into content-addressed chunks in
 * the version's region, then fill every target region's replicas, moving only chunks a region lacks
 * and verifying each by sha256. Idempotent: after a crash it runs again and skips what is in place.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { createHash } from 'node:crypto';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import { manifestOf, type ChunkManifest } from '../replication/chunk-manifest.ts';
import { ingest, replicate } from '../replication/chunk-store.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { copyBlob } from '../shared/blob-copy.ts';
import { versionCreatedWrites } from '../image-templates/triggers/fire-trigger.ts';
import {
  versionsOf,
  compareVersions,
  type GalleryImageVersionRecord,
  type VersionDisk,
} from './gallery-image-version.ts';
import { statusKey, statusRecord, type ReplicationStatusData } from './replication-status.ts';

export interface ReplicatePayload {
  key: string;
  operation: OperationData;
}

export interface ReplicationContext {
  signal: AbortSignal;
}

const PROGRESS_WRITE_MS = 100;

/** A disk whose bytes are chunks in some region, its manifest as runs. */
interface ChunkedDisk extends VersionDisk {
  manifest: ChunkManifest;
}

export async function replicateVersion(
  ctx: DomainContext,
  payload: ReplicatePayload,
  job: ReplicationContext,
): Promise<Write[]> {
  let record = await load(ctx, payload.key);
  if (!record) return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' })];
  const home = record.data.resource.location;
  const targets = record.data.resource.properties.publishingProfile.targetRegions;
  const status: ReplicationStatusData = {
    regions: Object.fromEntries(targets.map((t) => [t.name, { state: 'Replicating' as const, progress: 0 }])),
  };
  const reporter = progressWriter(ctx, record, status);
  await reporter.flush();

  // 1. Chunks in the home region for every disk that has none yet. Manifests already recorded are
  // taken as runs, whatever shape an older record holds, and written back as runs in step 3.
  const disks: ChunkedDisk[] = [];
  for (const disk of record.data.internal.disks)
    disks.push(
      disk.manifest
        ? { ...disk, manifest: manifestOf(disk.manifest) }
        : await ingestDisk(ctx, home, record.key, disk, job.signal),
    );
  if (record.data.internal.disks.some((d) => !d.manifest)) {
    record = await saveDisks(ctx, payload.key, disks);
    if (!record) return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' })];
  }

  // 2. Every target region's replicas, primary first (from where the chunks are), then the others from the primary.
  const earlier = await earlierDisks(ctx, record);
  for (const target of targets) {
    const store = ctx.regions.get(target.name)!;
    const total = disks.reduce((sum, d) => sum + d.manifest.size, 0) * target.regionalReplicaCount;
    let done = 0;
    let moved = 0;
    for (let replica = 1; replica <= target.regionalReplicaCount; replica++) {
      for (const disk of disks) {
        const from =
          replica === 1 ? { store: ctx.regions.get(disk.chunkRegion ?? home)!, replica: 1 } : { store, replica: 1 };
        const result = await replicate(from, { store, replica }, disk.manifest, {
          signal: job.signal,
          like: replica === 1 ? earlier(target.name, disk.lun) : undefined,
          onProgress: (p) =>
            reporter.set(target.name, {
              state: 'Replicating',
              progress: Math.floor(((done + p.bytesDone) * 100) / Math.max(total, 1)),
            }),
        });
        done += disk.manifest.size;
        // Copies between replicas of one region share storage; only the primary's copies crossed regions.
        if (replica === 1 && from.store !== store) {
          moved += result.bytesMoved;
          ctx.meters?.replicatedBytes(target.name, result.bytesMoved);
        }
      }
    }
    const size = total / target.regionalReplicaCount;
    reporter.set(target.name, {
      state: 'Completed',
      progress: 100,
      details: `${target.regionalReplicaCount} replica(s) verified by sha256; ${moved} of ${size} bytes moved into the region (chunks already present were not copied).`,
    });
  }
  await reporter.flush();

  // 3. The version is complete; its chunks now live in its own region, whatever they came from.
  const version = structuredClone(record.data.resource);
  version.properties.provisioningState = 'Succeeded';
  const internal = {
    ...record.data.internal,
    disks: disks.map((d) => ({ ...d, chunkRegion: home })),
  };
  return [
    { op: 'put', record: resourceRecord(version, internal), expect: { etag: record.etag } },
    { op: 'put', record: statusRecord(record, status) },
    finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' }),
    // A new version runs the image templates whose triggers watch its definition.
    ...(await versionCreatedWrites(ctx, record)),
  ];
}

/**
 * The disks of the newest other Succeeded version of the same definition that a region holds, by
 * region and lun: what this version's chunks most likely differ little from there (an earlier build
 * of the same template), so a region lacking a changed chunk keeps only the blocks that differ.
 */
async function earlierDisks(
  ctx: DomainContext,
  record: GalleryImageVersionRecord,
): Promise<(region: string, lun: VersionDisk['lun']) => ChunkManifest | undefined> {
  const others = (await versionsOf(ctx.store, record.parent!))
    .filter((v) => v.key !== record.key && v.data.resource.properties.provisioningState === 'Succeeded')
    .sort((a, b) => compareVersions(b.data.resource.name, a.data.resource.name));
  return (region, lun) => {
    for (const version of others) {
      const targets = version.data.resource.properties.publishingProfile.targetRegions;
      if (!targets.some((t) => t.name.toLowerCase() === region.toLowerCase())) continue;
      const disk = version.data.internal.disks.find((d) => d.lun === lun && d.manifest);
      if (disk?.manifest) return manifestOf(disk.manifest);
    }
    return undefined;
  };
}

/**
 * A disk's bytes as chunks in the home region's primary replica, copied there first when they live
 * elsewhere. The staging name is fixed per version and disk, so a rerun after a crash reuses (or
 * replaces) what the killed run left instead of orphaning it.
 */
async function ingestDisk(
  ctx: DomainContext,
  home: string,
  versionKey: string,
  disk: VersionDisk,
  signal: AbortSignal,
): Promise<ChunkedDisk> {
  const store = ctx.regions.get(home)!;
  let key = disk.source!.key;
  let staged: string | undefined;
  if (disk.source!.region !== home) {
    staged = `versions/staging/${createHash('sha256').update(versionKey).digest('hex')}/${disk.lun}.vhd`;
    await copyBlob(ctx.regions, disk.source!, { region: home, key: staged });
    key = staged;
  }
  try {
    const manifest = await ingest(store, key, { replica: 1, signal });
    return { lun: disk.lun, manifest, chunkRegion: home };
  } finally {
    if (staged) await store.delete(staged);
  }
}

async function load(ctx: DomainContext, key: string) {
  return (await ctx.store.get<GalleryImageVersionRecord['data']>(key)) as GalleryImageVersionRecord | undefined;
}

/** Records the manifests, retrying over concurrent changes to the version (tags, say). */
async function saveDisks(
  ctx: DomainContext,
  key: string,
  disks: VersionDisk[],
): Promise<GalleryImageVersionRecord | undefined> {
  for (;;) {
    const current = await load(ctx, key);
    if (!current) return undefined;
    try {
      const [stored] = await ctx.store.apply([
        {
          op: 'put',
          record: resourceRecord(current.data.resource, { ...current.data.internal, disks }),
          expect: { etag: current.etag },
        },
      ]);
      return stored as GalleryImageVersionRecord;
    } catch (error) {
      if ((error as Error).name !== 'ExpectationFailedError') throw error;
    }
  }
}

/** Writes region progress at most every PROGRESS_WRITE_MS, and always on completion. */
function progressWriter(ctx: DomainContext, version: GalleryImageVersionRecord, status: ReplicationStatusData) {
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const write = () => {
    last = Date.now();
    const snapshot = structuredClone(status);
    pending = pending.then(() => ctx.store.apply([{ op: 'put', record: statusRecord(version, snapshot) }]));
    return pending;
  };
  return {
    set(region: string, value: ReplicationStatusData['regions'][string]) {
      status.regions[region] = value;
      if (value.state === 'Completed' || Date.now() - last >= PROGRESS_WRITE_MS) void write();
    },
    flush: () => write(),
  };
}

/** The version and every region not yet complete are marked Failed, naming the error. */
export async function failReplication(
  ctx: DomainContext,
  payload: ReplicatePayload,
  error: ArmErrorBody,
): Promise<Write[]> {
  const failed = finishOperation(payload.operation, ctx.clock.now(), {
    status: error.code === 'OperationCanceled' ? 'Canceled' : 'Failed',
    error,
  });
  const record = await load(ctx, payload.key);
  if (!record) return [failed];
  const version = structuredClone(record.data.resource);
  version.properties.provisioningState = 'Failed';
  const previous = (await ctx.store.get<ReplicationStatusData>(statusKey(record.key)))?.data.regions ?? {};
  const regions = Object.fromEntries(
    version.properties.publishingProfile.targetRegions.map((t) => {
      const state = previous[t.name];
      return [
        t.name,
        state?.state === 'Completed'
          ? state
          : { state: 'Failed' as const, progress: state?.progress ?? 0, details: error.message },
      ];
    }),
  );
  return [
    { op: 'put', record: resourceRecord(version, record.data.internal), expect: { etag: record.etag } },
    { op: 'put', record: statusRecord(record, { regions }) },
    failed,
  ];
}
