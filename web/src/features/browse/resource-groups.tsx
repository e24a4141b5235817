/** A subscription's page: its resource groups, with create and delete where the role allows. */
import { useResourceGroups } from './use-resource-groups.ts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { errorAt, FormError, SelectField, TextField } from '../../ui/field.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { useLocations } from './locations.ts';

export function ResourceGroups(props: { subscription: string }): ReactNode {
  const scope = `/subscriptions/${props.subscription}`;
  const can = usePermissions(scope);
  const groups = useResourceGroups(props.subscription);
  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Resource groups</h2>
      {can('Microsoft.Resources/subscriptions/resourceGroups/write') && (
        <CreateResourceGroup subscription={props.subscription} onCreated={groups.reload} />
      )}
      <Loading loaded={groups}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No resource groups yet">
              <p>Create one above to hold galleries, images and templates.</p>
            </EmptyState>
          ) : (
            <DataTable
              label="Resource groups"
              rows={rows}
              rowKey={(g) => g.id}
              columns={[
                { header: 'Name', cell: (g) => <Link to={resourcePath(g.id)}>{g.name}</Link> },
                { header: 'Location', cell: (g) => g.location },
                { header: 'State', cell: (g) => g.properties.provisioningState },
              ]}
            />
          )
        }
      </Loading>
    </section>
  );
}

function CreateResourceGroup(props: { subscription: string; onCreated(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const locations = useLocations(props.subscription);
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const chosen = location || locations.data?.[0]?.name || '';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.change(
        'PUT',
        `/subscriptions/${props.subscription}/resourcegroups/${encodeURIComponent(name)}`,
        API_VERSIONS.resources,
        {
          location: chosen,
        },
      );
      toast.success(`Resource group ${name} created`);
      setName('');
      props.onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create resource group">
      <TextField
        label="Name"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errorAt(error, 'name')}
      />
      <SelectField
        label="Location"
        value={chosen}
        onChange={(e) => setLocation(e.target.value)}
        options={(locations.data ?? []).map((l) => [l.name, l.displayName] as [string, string])}
        error={errorAt(error, 'location')}
      />
      <button type="submit" disabled={busy || !name}>
        {busy ? <Spinner label="Creating…" /> : 'Create resource group'}
      </button>
      <FormError error={error} shown={['name', 'location']} />
    </form>
  );
}
