/**
 * The overview of a managed image on its resource page: its OS disk (OS, state, size, what it was
 * copied from), data disks, Hyper-V generation and when it was made. An image copies its source's
 * bytes after the PUT answers: the page follows it until it is Succeeded or Failed.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { Facts } from '../../ui/facts.tsx';
import { gib, IMAGES, inProgress, timeOf, type Image, type ImageDisk } from './model.ts';
import { SourceLink } from './source-link.tsx';
import { useReloadWhile } from './use-reload-while.ts';

export function ImageView(props: ResourceViewProps): ReactNode {
  const image = props.resource as unknown as Image;
  const p = image.properties;
  const os = p.storageProfile.osDisk;
  useReloadWhile(inProgress(image), props.reload, props.resource);
  const created = useCreatedTime(props.id);
  return (
    <section aria-label="Overview">
      <Facts
        label="Image details"
        facts={[
          ['OS type', os.osType ?? '—'],
          ['OS state', os.osState ?? '—'],
          ['OS disk size', gib(os.diskSizeGB)],
          ['Source', p.sourceVirtualMachine ? <SourceLink id={p.sourceVirtualMachine.id} /> : <DiskSource disk={os} />],
          ['Hyper-V generation', p.hyperVGeneration ?? '—'],
          ['Data disks', p.storageProfile.dataDisks.length],
          ['Provisioning state', p.provisioningState],
          ['Location', image.location],
          ['Time created', timeOf(created.data)],
        ]}
      />
    </section>
  );
}

function DiskSource(props: { disk: ImageDisk }): ReactNode {
  const id = props.disk.managedDisk?.id ?? props.disk.snapshot?.id;
  if (id) return <SourceLink id={id} />;
  return props.disk.blobUri ?? '—';
}

/** Images carry no creation time of their own: ARM's generic list gives it (`$expand=createdTime`). */
function useCreatedTime(id: string) {
  const { client } = useSession();
  return useLoad(async () => {
    const parsed = parseId(id);
    const filter = `resourceType eq '${IMAGES.type}' and name eq '${parsed.name.replace(/'/g, "''")}'`;
    const found = await client.list<{ id: string; createdTime?: string }>(
      `${parsed.parent}/resources?$filter=${encodeURIComponent(filter)}&$expand=createdTime`,
      API_VERSIONS.resources,
    );
    return found.find((r) => r.id.toLowerCase() === id.toLowerCase())?.createdTime;
  }, [client, id]);
}
