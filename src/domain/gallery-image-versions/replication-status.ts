/**
 * Per-region replication state of a version, kept beside the version in its own record so the
 * replication job's frequent progress writes never race with users updating the version.
 */
import type { NewRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { regionDisplayName } from '../shared/scope.ts';
import type { GalleryImageVersionRecord } from './gallery-image-version.ts';

export type RegionState = 'Unknown' | 'Replicating' | 'Completed' | 'Failed';

export interface RegionReplication {
  state: RegionState;
  progress: number;
  details?: string;
}

export interface ReplicationStatusData {
  regions: Record<string, RegionReplication>;
}

export const statusKey = (versionKey: string) => `${versionKey}/replicationstatus`;

export function statusRecord(
  version: Pick<GalleryImageVersionRecord, 'key' | 'subscription' | 'resourceGroup'>,
  data: ReplicationStatusData,
): NewRecord<ReplicationStatusData> {
  return {
    key: statusKey(version.key),
    kind: 'kiln/replicationstatus',
    subscription: version.subscription,
    resourceGroup: version.resourceGroup,
    parent: null,
    data,
  };
}

/** `replicationStatus` as Azure shows it with `$expand=ReplicationStatus`. */
export async function replicationStatusView(ctx: DomainContext, version: GalleryImageVersionRecord) {
  const status = (await ctx.store.get<ReplicationStatusData>(statusKey(version.key)))?.data.regions ?? {};
  const summary = version.data.resource.properties.publishingProfile.targetRegions.map((target) => {
    const region = status[target.name] ?? { state: 'Unknown' as const, progress: 0 };
    return {
      region: regionDisplayName(ctx, target.name),
      state: region.state,
      details: region.details ?? '',
      progress: region.progress,
    };
  });
  const states = summary.map((s) => s.state);
  const aggregatedState = states.includes('Failed')
    ? 'Failed'
    : states.every((s) => s === 'Completed')
      ? 'Completed'
      : states.some((s) => s === 'Replicating' || s === 'Completed')
        ? 'InProgress'
        : 'Unknown';
  return { aggregatedState, summary };
}
