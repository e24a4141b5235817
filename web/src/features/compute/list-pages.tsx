/**
 * The Images, Disks and Snapshots pages: each kind across the subscriptions the user sees, with the
 * facts a list answers at a glance (where it is, how big, which OS, its state) and, when there is
 * none yet, what to do to make one.
 */
import type { ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { Link } from '../../router.tsx';
import { DataTable, type Column } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { DISKS, gib, groupOf, IMAGES, SNAPSHOTS, type ComputeKind, type Disk, type Image } from './model.ts';
import { useComputeList } from './use-compute-list.ts';

type Listed = { id: string; name: string; location: string; properties: { provisioningState: string } };

function ComputeListPage<T extends Listed>(props: {
  kind: ComputeKind;
  columns: Column<T>[];
  emptyHint: ReactNode;
}): ReactNode {
  const { kind } = props;
  const rows = useComputeList<T>(kind);
  return (
    <Page
      title={kind.title}
      crumbs={[{ label: 'Home', to: '/' }]}
      actions={
        <Link to={`${kind.path}/create`} className="button-link">
          Create {kind.noun}
        </Link>
      }
    >
      <Loading loaded={rows}>
        {(all) =>
          all.length === 0 ? (
            <EmptyState title={`No ${kind.title.toLowerCase()} yet`}>
              <p>{props.emptyHint}</p>
            </EmptyState>
          ) : (
            <DataTable
              label={kind.title}
              rows={all}
              rowKey={(r) => r.id}
              columns={[
                { header: 'Name', cell: (r) => <Link to={resourcePath(r.id)}>{r.name}</Link> },
                { header: 'Resource group', cell: (r) => groupOf(r.id) },
                { header: 'Location', cell: (r) => r.location },
                ...props.columns,
              ]}
            />
          )
        }
      </Loading>
    </Page>
  );
}

/** Size, OS and both states: a disk being copied shows Creating, a downloadable one ActiveSAS. */
const DISK_COLUMNS: Column<Disk>[] = [
  { header: 'Size', cell: (d) => gib(d.properties.diskSizeGB) },
  { header: 'OS type', cell: (d) => d.properties.osType ?? '—' },
  { header: 'State', cell: (d) => d.properties.provisioningState },
  { header: 'Disk state', cell: (d) => d.properties.diskState ?? '—' },
];

export function DisksPage(): ReactNode {
  return (
    <ComputeListPage<Disk>
      kind={DISKS}
      columns={DISK_COLUMNS}
      emptyHint={
        <>
          <Link to="/disks/create">Create an empty disk</Link> here, or copy a snapshot, an image or an uploaded VHD
          with <code>kiln disk create</code>.
        </>
      }
    />
  );
}

export function SnapshotsPage(): ReactNode {
  return (
    <ComputeListPage<Disk>
      kind={SNAPSHOTS}
      columns={DISK_COLUMNS}
      emptyHint={
        <>
          <Link to="/snapshots/create">Snapshot a disk</Link>: open a disk and choose “Create snapshot”, or create one
          here and pick the disk.
        </>
      }
    />
  );
}

export function ImagesPage(): ReactNode {
  return (
    <ComputeListPage<Image>
      kind={IMAGES}
      columns={[
        { header: 'Size', cell: (i) => gib(i.properties.storageProfile.osDisk.diskSizeGB) },
        { header: 'OS type', cell: (i) => i.properties.storageProfile.osDisk.osType ?? '—' },
        { header: 'State', cell: (i) => i.properties.provisioningState },
      ]}
      emptyHint={
        <>
          <Link to="/images/create">Create an image</Link> from a disk or a snapshot (open one and choose “Create image
          from this”), or distribute an image template to a managed image.
        </>
      }
    />
  );
}
