/**
 * The overview of a disk or snapshot on its resource page: its size, OS, states, what it was made
 * from and when, download access, and the next things to make from it (a snapshot of a disk, an
 * image of either). While the server is still making it, the page follows its state.
 */
import type { ReactNode } from 'react';
import { Link } from '../../router.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { DiskAccess } from './disk-access.tsx';
import { Facts, type Fact } from '../../ui/facts.tsx';
import { DISKS, gib, IMAGES, inProgress, SNAPSHOTS, timeOf, type ComputeKind, type Disk } from './model.ts';
import { SourceLink } from './source-link.tsx';
import { useReloadWhile } from './use-reload-while.ts';

export function DiskView(props: ResourceViewProps & { kind: ComputeKind }): ReactNode {
  const disk = props.resource as unknown as Disk;
  const p = disk.properties;
  useReloadWhile(inProgress(disk), props.reload, props.resource);
  const from = `?source=${encodeURIComponent(props.id)}`;
  return (
    <section aria-label="Overview">
      <Facts
        label={`${props.kind.title.slice(0, -1)} details`}
        facts={[
          ['Size', `${gib(p.diskSizeGB)}${p.diskSizeBytes ? ` (${p.diskSizeBytes.toLocaleString()} bytes)` : ''}`],
          ['SKU', disk.sku?.name ?? '—'],
          ['OS type', p.osType ?? 'None'],
          ['Hyper-V generation', p.hyperVGeneration ?? '—'],
          ['Disk state', p.diskState ?? '—'],
          ['Provisioning state', p.provisioningState],
          ['Source', <DiskSource key="source" disk={disk} />],
          ...(disk.managedBy ? [['Attached to', <SourceLink key="vm" id={disk.managedBy} />] as Fact] : []),
          ['Location', disk.location],
          ['Time created', timeOf(p.timeCreated)],
        ]}
      />
      <div className="actions">
        {props.kind === DISKS && (
          <Link className="compute-action-link" to={`${SNAPSHOTS.path}/create${from}`}>
            Create snapshot
          </Link>
        )}
        <Link className="compute-action-link" to={`${IMAGES.path}/create${from}`}>
          Create image from this
        </Link>
      </div>
      <DiskAccess id={props.id} kind={props.kind} disk={disk} reload={props.reload} />
    </section>
  );
}

function DiskSource(props: { disk: Disk }): ReactNode {
  const creation = props.disk.properties.creationData;
  const image = creation.imageReference?.id;
  switch (creation.createOption) {
    case 'Empty':
      return 'Empty';
    case 'Copy':
      return creation.sourceResourceId ? (
        <>
          Copy of <SourceLink id={creation.sourceResourceId} />
        </>
      ) : (
        'Copy'
      );
    case 'FromImage':
      return image?.startsWith('/subscriptions/') ? (
        <>
          From <SourceLink id={image} />
        </>
      ) : (
        `From image ${image ?? ''}`
      );
    case 'Import':
      return `Imported from ${creation.sourceUri ?? 'a VHD'}`;
    default:
      return creation.createOption;
  }
}
