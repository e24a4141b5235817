/**
 * "All resources", as the Azure portal has it: every resource of the chosen subscriptions (or of one
 * group), filtered by type and by a search of names, with "Show hidden types" revealing the kinds
 * the Azure portal hides by default (gallery image definitions and versions: the gallery FAQ's way
 * to find them). The filters live in the URL, so a filtered view can be bookmarked and shared.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link, navigate, usePath } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { SelectField, TextField } from '../../ui/field.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useSubscriptions } from './subscriptions.tsx';

interface GenericResource {
  id: string;
  name: string;
  type: string;
  location?: string;
}

/** Types the Azure portal hides from "All resources" unless asked. */
export const HIDDEN_TYPES = new Set([
  'microsoft.compute/galleries/images',
  'microsoft.compute/galleries/images/versions',
]);

export function AllResources(): ReactNode {
  const subscriptions = useSubscriptions();
  const { query } = usePath();
  const chosen = query.get('subscription') ?? '';
  const ids = chosen ? [chosen] : (subscriptions.data ?? []).map((s) => s.subscriptionId);
  return (
    <Page title="All resources" crumbs={[{ label: 'Home', to: '/' }]}>
      <SelectField
        label="Subscription"
        value={chosen}
        onChange={(e) => setQuery('subscription', e.target.value)}
        options={[
          ['', 'All subscriptions'],
          ...(subscriptions.data ?? []).map((s) => [s.subscriptionId, s.displayName] as [string, string]),
        ]}
      />
      {subscriptions.data && <ResourceList scopes={ids.map((id) => `/subscriptions/${id}`)} />}
    </Page>
  );
}

function setQuery(name: string, value: string) {
  const query = new URLSearchParams(location.search);
  if (value) query.set(name, value);
  else query.delete(name);
  const path = location.pathname.replace(/^\/portal/, '') || '/';
  navigate(`${path}${query.size ? `?${query}` : ''}`, { replace: true });
}

/** The resources under each scope (a subscription or a group), with the type filter, search and hidden types. */
export function ResourceList(props: { scopes: string[] }): ReactNode {
  const { client } = useSession();
  const { query } = usePath();
  const type = query.get('type') ?? '';
  const search = query.get('search') ?? '';
  const showHidden = query.get('hidden') === 'true';
  const key = props.scopes.join(',');
  const resources = useLoad(
    async () =>
      (
        await Promise.all(
          props.scopes.map((scope) => client.list<GenericResource>(`${scope}/resources`, API_VERSIONS.resources)),
        )
      ).flat(),
    [client, key],
  );
  const visible = (r: GenericResource) => showHidden || !HIDDEN_TYPES.has(r.type.toLowerCase());
  const types = [...new Set((resources.data ?? []).filter(visible).map((r) => r.type))].sort();
  const rows = (resources.data ?? []).filter(
    (r) =>
      visible(r) &&
      (!type || r.type.toLowerCase() === type.toLowerCase()) &&
      (!search || r.name.toLowerCase().includes(search.toLowerCase())),
  );
  return (
    <section aria-label="Resources">
      <div className="filters">
        <TextField
          label="Filter by name"
          type="search"
          value={search}
          onChange={(e) => setQuery('search', e.target.value)}
        />
        <SelectField
          label="Type"
          value={type}
          onChange={(e) => setQuery('type', e.target.value)}
          options={[['', 'All types'], ...types.map((t) => [t, t] as [string, string])]}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showHidden}
            onChange={(e) => setQuery('hidden', e.target.checked ? 'true' : '')}
          />
          Show hidden types
        </label>
      </div>
      <Loading loaded={resources}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={resources.data?.length ? 'No resources match the filters' : 'No resources yet'}>
              <p>
                {resources.data?.length
                  ? 'Clear the search or choose another type; image definitions and versions show with "Show hidden types".'
                  : 'Create a gallery, an image template or a disk to see it here.'}
              </p>
            </EmptyState>
          ) : (
            <DataTable
              label="Resources"
              rows={rows}
              rowKey={(r) => r.id}
              columns={[
                { header: 'Name', cell: (r) => <Link to={resourcePath(r.id)}>{r.name}</Link> },
                { header: 'Type', cell: (r) => r.type },
                { header: 'Resource group', cell: (r) => r.id.split('/')[4] },
                { header: 'Location', cell: (r) => r.location ?? '' },
              ]}
            />
          )
        }
      </Loading>
    </section>
  );
}
