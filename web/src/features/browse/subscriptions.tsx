/** The home page: the subscriptions the principal can see, each leading to its resource groups. */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Page } from '../../ui/page.tsx';
import { Loading } from '../../ui/loading.tsx';

export interface Subscription {
  id: string;
  subscriptionId: string;
  displayName: string;
  state: string;
}

export function useSubscriptions() {
  const { client } = useSession();
  return useLoad(() => client.list<Subscription>('/subscriptions', API_VERSIONS.subscriptions), [client]);
}

export function Subscriptions(): ReactNode {
  const subscriptions = useSubscriptions();
  return (
    <Page title="Subscriptions">
      <Loading loaded={subscriptions}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No subscriptions to show">
              <p>Ask an owner to assign you a role on a subscription, a resource group or a resource.</p>
            </EmptyState>
          ) : (
            <DataTable
              label="Subscriptions"
              rows={rows}
              rowKey={(s) => s.id}
              columns={[
                { header: 'Name', cell: (s) => <Link to={resourcePath(s.id)}>{s.displayName}</Link> },
                { header: 'Subscription ID', cell: (s) => <code>{s.subscriptionId}</code> },
                { header: 'State', cell: (s) => s.state },
              ]}
            />
          )
        }
      </Loading>
    </Page>
  );
}
