/** A version's replication per target region: state, progress, replica count, storage type and details. */
import type { ReactNode } from 'react';
import { DataTable } from '../../ui/data-table.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import type { ImageVersion, RegionReplication } from './gallery-resources.ts';

export function ReplicationTable(props: { version: ImageVersion; live: boolean }): ReactNode {
  const { targetRegions } = props.version.properties.publishingProfile;
  // Both name the region by its display name (`West US`), as Azure does.
  const target = (row: RegionReplication) => targetRegions.find((t) => t.name === row.region);
  return (
    <section aria-labelledby="replication-heading">
      <h2 id="replication-heading">Replication</h2>
      {props.live && <Spinner label="Replicating: this table updates as it goes…" />}
      <DataTable
        label="Replication by region"
        rows={props.version.properties.replicationStatus?.summary ?? []}
        rowKey={(row) => row.region}
        columns={[
          { header: 'Region', cell: (row) => <span className="nowrap">{row.region}</span> },
          { header: 'State', cell: (row) => <span className={`status-${row.state.toLowerCase()}`}>{row.state}</span> },
          {
            header: 'Progress',
            cell: (row) => (
              <span className="progress nowrap">
                <progress max={100} value={row.progress} aria-label={`${row.region} progress`} />
                {row.progress} %
              </span>
            ),
          },
          { header: 'Replicas', cell: (row) => String(target(row)?.regionalReplicaCount ?? '') },
          { header: 'Storage', cell: (row) => target(row)?.storageAccountType ?? '' },
          { header: 'Details', cell: (row) => row.details ?? '' },
        ]}
      />
    </section>
  );
}
