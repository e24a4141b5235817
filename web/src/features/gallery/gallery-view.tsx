/** A gallery's page: its image definitions, each leading to its versions, and the form that creates one. */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { CreateDefinitionForm } from './create-definition-form.tsx';
import { identifierText, type Gallery, type ImageDefinition } from './gallery-resources.ts';

export function GalleryView(props: ResourceViewProps): ReactNode {
  const { client } = useSession();
  const gallery = props.resource as unknown as Gallery;
  // The form waits for the caller's permissions: a Reader never sees it appear and vanish.
  const can = usePermissions(props.id);
  const definitions = useLoad(
    () => client.list<ImageDefinition>(`${props.id}/images`, API_VERSIONS.galleries),
    [client, props.id],
  );
  return (
    <>
      {gallery.properties.description && <p>{gallery.properties.description}</p>}
      <section aria-labelledby="definitions-heading">
        <h2 id="definitions-heading">Image definitions</h2>
        <Loading loaded={definitions}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No image definitions yet">
                <p>
                  An image definition names an image (publisher, offer, SKU) and its OS; its versions hold the bytes.
                  Create one below.
                </p>
              </EmptyState>
            ) : (
              <DataTable
                label="Image definitions"
                rows={rows}
                rowKey={(d) => d.id}
                columns={[
                  { header: 'Name', cell: (d) => <Link to={resourcePath(d.id)}>{d.name}</Link> },
                  { header: 'OS', cell: (d) => `${d.properties.osType}, ${d.properties.osState}` },
                  { header: 'Generation', cell: (d) => d.properties.hyperVGeneration ?? '' },
                  { header: 'Publisher / offer / SKU', cell: (d) => identifierText(d) },
                  { header: 'Description', cell: (d) => d.properties.description ?? '' },
                ]}
              />
            )
          }
        </Loading>
      </section>
      {can.settled && can('Microsoft.Compute/galleries/images/write') && (
        <CreateDefinitionForm gallery={gallery} onCreated={definitions.reload} />
      )}
    </>
  );
}
