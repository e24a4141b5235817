/**
 * An image definition's versions with what decides how they are used: provisioning and
 * replication state, exclude from latest, end of life, published date, and which one `latest`
 * resolves to. Kept current while any of them replicates.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { shownDate, shownDateTime } from './form-values.ts';
import type { ImageVersion } from './gallery-resources.ts';
import { compareVersionNames, latestVersion } from './latest.ts';
import { isReplicating, readVersionWithStatus, replicationSummary, REPLICATION_POLL_MS } from './replication.ts';

/** The versions of a definition, each with its replication status, newest number first. */
export function useDefinitionVersions(definitionId: string) {
  const { client } = useSession();
  return useLoad(
    async () => {
      const versions = await client.list<ImageVersion>(`${definitionId}/versions`, API_VERSIONS.galleries);
      const expanded = await Promise.all(
        // A version deleted since the list was read keeps what the list said.
        versions.map((v) => readVersionWithStatus(client, v.id).catch(() => v)),
      );
      return expanded.sort((a, b) => compareVersionNames(b.name, a.name));
    },
    [client, definitionId],
    { pollMs: (versions) => (versions?.some(isReplicating) ? REPLICATION_POLL_MS : undefined) },
  );
}

export function DefinitionVersions(props: { definitionId: string }): ReactNode {
  const versions = useDefinitionVersions(props.definitionId);
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      <Loading loaded={versions}>
        {(rows) => {
          if (rows.length === 0)
            return (
              <EmptyState title="No versions yet">
                <p>A version holds the image's bytes, replicated to its target regions. Create one below.</p>
              </EmptyState>
            );
          const latest = latestVersion(rows);
          return (
            <>
              <p>
                Latest version:{' '}
                {latest ? (
                  <Link to={resourcePath(latest.id)}>{latest.name}</Link>
                ) : (
                  'none (every version is excluded from latest or not ready)'
                )}
              </p>
              <DataTable
                label="Image versions"
                rows={rows}
                rowKey={(v) => v.id}
                columns={[
                  { header: 'Version', cell: (v) => <Link to={resourcePath(v.id)}>{v.name}</Link> },
                  {
                    header: 'Latest',
                    cell: (v) => (v === latest ? <span className="latest-badge">latest</span> : ''),
                  },
                  { header: 'Provisioning state', cell: (v) => v.properties.provisioningState },
                  {
                    header: 'Replication',
                    cell: (v) => replicationSummary(v.properties.replicationStatus?.summary ?? []),
                  },
                  {
                    header: 'Excluded from latest',
                    cell: (v) => (v.properties.publishingProfile.excludeFromLatest ? 'Yes' : 'No'),
                  },
                  { header: 'End of life', cell: (v) => shownDate(v.properties.publishingProfile.endOfLifeDate) },
                  { header: 'Published', cell: (v) => shownDateTime(v.properties.publishingProfile.publishedDate) },
                ]}
              />
            </>
          );
        }}
      </Loading>
    </section>
  );
}
