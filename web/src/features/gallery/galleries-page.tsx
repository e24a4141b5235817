/**
 * "Galleries": every Azure Compute Gallery in the subscriptions the principal sees, each leading to
 * its image definitions, and the form that creates one.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId, resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useSubscriptions, type Subscription } from '../browse/subscriptions.tsx';
import { CreateGalleryForm } from './create-gallery-form.tsx';
import type { Gallery } from './gallery-resources.ts';

export function GalleriesPage(): ReactNode {
  const subscriptions = useSubscriptions();
  return (
    <Page title="Galleries" crumbs={[{ label: 'Home', to: '/' }]}>
      <Loading loaded={subscriptions}>{(rows) => <GalleriesOf subscriptions={rows} />}</Loading>
    </Page>
  );
}

function GalleriesOf(props: { subscriptions: Subscription[] }): ReactNode {
  const { client } = useSession();
  const ids = props.subscriptions.map((s) => s.subscriptionId);
  const galleries = useLoad(
    async () =>
      (
        await Promise.all(
          ids.map((id) =>
            client.list<Gallery>(`/subscriptions/${id}/providers/Microsoft.Compute/galleries`, API_VERSIONS.galleries),
          ),
        )
      ).flat(),
    [client, ids.join(',')],
  );
  const subscriptionName = (id: string) =>
    props.subscriptions.find((s) => s.subscriptionId === parseId(id).subscription)?.displayName ?? '';
  return (
    <>
      <section aria-labelledby="galleries-heading">
        <h2 id="galleries-heading">Your galleries</h2>
        <Loading loaded={galleries}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No galleries yet">
                <p>
                  A gallery holds image definitions and their versions, replicated to the regions you choose. Create one
                  below.
                </p>
              </EmptyState>
            ) : (
              <DataTable
                label="Galleries"
                rows={rows}
                rowKey={(g) => g.id}
                columns={[
                  { header: 'Name', cell: (g) => <Link to={resourcePath(g.id)}>{g.name}</Link> },
                  { header: 'Resource group', cell: (g) => parseId(g.id).resourceGroup ?? '' },
                  { header: 'Location', cell: (g) => g.location },
                  { header: 'Subscription', cell: (g) => subscriptionName(g.id) },
                  { header: 'Description', cell: (g) => g.properties.description ?? '' },
                ]}
              />
            )
          }
        </Loading>
      </section>
      <CreateGalleryForm subscriptions={props.subscriptions} onCreated={galleries.reload} />
    </>
  );
}
