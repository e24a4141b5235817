/**
 * A version's replication as it moves: read with `$expand=ReplicationStatus` and polled while any
 * region still works (or the version is Creating or Updating), stopping once every region has
 * Completed or Failed.
 */
import { useRef } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import type { ArmClient } from '../../arm/client.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import type { ImageVersion, RegionReplication } from './gallery-resources.ts';

export const REPLICATION_POLL_MS = 1000;

const FINAL_STATES = new Set(['Completed', 'Failed']);
const WORKING = new Set(['Creating', 'Updating']);

export function isReplicating(version: ImageVersion): boolean {
  const summary = version.properties.replicationStatus?.summary ?? [];
  return WORKING.has(version.properties.provisioningState) || summary.some((s) => !FINAL_STATES.has(s.state));
}

export const readVersionWithStatus = (client: ArmClient, id: string) =>
  client.get<ImageVersion>(`${id}?$expand=ReplicationStatus`, API_VERSIONS.galleries);

/**
 * The version with its replication status, kept current while it replicates; a failed read stops
 * the polling. `onSettled` is told when a replication this page watched has ended.
 */
export function useVersionWithStatus(id: string, onSettled: () => void) {
  const { client } = useSession();
  const watched = useRef(false);
  return useLoad(() => readVersionWithStatus(client, id), [client, id], {
    pollMs: (version) => {
      if (version && isReplicating(version)) {
        watched.current = true;
        return REPLICATION_POLL_MS;
      }
      if (version && watched.current) {
        watched.current = false;
        onSettled();
      }
      return undefined;
    },
  });
}

/** One line for a version's replication: `Completed in 2 of 2 regions`, or each region still working. */
export function replicationSummary(summary: readonly RegionReplication[]): string {
  if (summary.length === 0) return 'Unknown';
  const completed = summary.filter((s) => s.state === 'Completed').length;
  const failed = summary.filter((s) => s.state === 'Failed').length;
  if (completed === summary.length) return `Completed in ${completed} of ${summary.length} regions`;
  const parts = summary.filter((s) => s.state !== 'Completed').map((s) => `${s.region}: ${s.state} ${s.progress} %`);
  return [`${completed} of ${summary.length} completed`, failed ? `${failed} failed` : '', ...parts]
    .filter(Boolean)
    .join('; ');
}
