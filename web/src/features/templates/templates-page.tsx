/** "Image templates": every template in the subscriptions the principal sees, with its last run. */
import type { ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useSubscriptions } from '../browse/subscriptions.tsx';
import { API_VERSION, groupOf, TEMPLATE_TYPE, type ImageTemplate } from './model.ts';
import { RunState } from './run-state.tsx';

export function TemplatesPage(): ReactNode {
  const subscriptions = useSubscriptions();
  return (
    <Page
      title="Image templates"
      crumbs={[{ label: 'Home', to: '/' }]}
      actions={
        <Link to="/templates/create" className="template-button-link">
          Create template
        </Link>
      }
    >
      <Loading loaded={subscriptions}>
        {(found) => <TemplateList subscriptions={found.map((s) => s.subscriptionId)} />}
      </Loading>
    </Page>
  );
}

function TemplateList(props: { subscriptions: string[] }): ReactNode {
  const { client } = useSession();
  const templates = useLoad(
    async () =>
      (
        await Promise.all(
          props.subscriptions.map((id) =>
            client.list<ImageTemplate>(`/subscriptions/${id}/providers/${TEMPLATE_TYPE}`, API_VERSION),
          ),
        )
      ).flat(),
    [client, props.subscriptions.join(',')],
  );
  return (
    <Loading loaded={templates}>
      {(rows) =>
        rows.length === 0 ? (
          <EmptyState title="No image templates yet">
            <p>
              A template says where an image starts (a platform image, a managed image or a gallery version), what
              customizers change in it and where the result goes. <Link to="/templates/create">Create one</Link> from an
              example, or with <code>kiln image builder create</code> or <code>az image builder create</code>.
            </p>
          </EmptyState>
        ) : (
          <DataTable
            label="Image templates"
            rows={rows}
            rowKey={(t) => t.id}
            columns={[
              { header: 'Name', cell: (t) => <Link to={resourcePath(t.id)}>{t.name}</Link> },
              { header: 'Resource group', cell: (t) => groupOf(t.id) },
              { header: 'Last run', cell: (t) => <RunState status={t.properties.lastRunStatus} /> },
              { header: 'Source type', cell: (t) => t.properties.source.type },
              { header: 'Provisioning', cell: (t) => t.properties.provisioningState },
            ]}
          />
        )
      }
    </Loading>
  );
}
