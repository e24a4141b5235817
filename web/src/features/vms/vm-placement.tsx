/**
 * Where a new VM goes and how big it is: subscription, resource group, name, location and size. What
 * the user has not picked takes a default: the first subscription and group, the group's location,
 * and the location's Standard_B1s (else its first size, from the vmSizes list Kiln serves). Picking
 * a subscription or group starts what depends on it over.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { SelectField, TextField } from '../../ui/field.tsx';
import { useLocations } from '../browse/locations.ts';
import { useSubscriptions } from '../browse/subscriptions.tsx';

/** The user's picks; '' where the default holds. */
export interface Picks {
  subscription: string;
  group: string;
  name: string;
  location: string;
  size: string;
}

export const NO_PICKS: Picks = { subscription: '', group: '', name: '', location: '', size: '' };

interface VmSize {
  name: string;
  numberOfCores: number;
  memoryInMB: number;
}

/** The size a new VM gets unless the user picks another: the smallest of the common B series. */
const PREFERRED_SIZE = 'Standard_B1s';

export function usePlacement(picks: Picks) {
  const { client } = useSession();
  const subscriptions = useSubscriptions();
  const subscriptionIds = (subscriptions.data ?? []).map((s) => s.subscriptionId);
  const subscription = picks.subscription || subscriptionIds[0] || '';
  const groups = useLoad(
    async () =>
      subscription
        ? client.list<{ name: string; location: string }>(
            `/subscriptions/${subscription}/resourcegroups`,
            API_VERSIONS.resources,
          )
        : undefined,
    [client, subscription],
  );
  const group = groups.data?.find((g) => g.name === picks.group) ?? groups.data?.[0];
  const locations = useLocations(subscription || undefined);
  const location = picks.location || group?.location || '';
  const sizes = useLoad(
    async () =>
      subscription && location
        ? client.list<VmSize>(
            `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${location}/vmSizes`,
            API_VERSIONS.virtualMachines,
          )
        : [],
    [client, subscription, location],
  );
  return {
    subscriptions: subscriptions.data ?? [],
    subscriptionIds,
    subscription,
    groups: groups.data,
    group: group?.name ?? '',
    /** The group's id, once there is a group. */
    groupScope: group ? `/subscriptions/${subscription}/resourceGroups/${encodeURIComponent(group.name)}` : undefined,
    name: picks.name,
    locations: locations.data ?? [],
    location,
    sizes: sizes.data ?? [],
    size: picks.size || (sizes.data?.find((s) => s.name === PREFERRED_SIZE) ?? sizes.data?.[0])?.name || '',
  };
}

export type Placement = ReturnType<typeof usePlacement>;

export function PlacementFields(props: {
  placement: Placement;
  pick(change: Partial<Picks>): void;
  errors: { name?: string; location?: string; size?: string };
}): ReactNode {
  const { placement: p, pick, errors } = props;
  return (
    <fieldset>
      <legend>Basics</legend>
      <SelectField
        label="Subscription"
        value={p.subscription}
        onChange={(e) => pick({ subscription: e.target.value, group: '', location: '', size: '' })}
        options={p.subscriptions.map((s) => [s.subscriptionId, s.displayName] as [string, string])}
      />
      <SelectField
        label="Resource group"
        value={p.group}
        onChange={(e) => pick({ group: e.target.value, location: '', size: '' })}
        options={(p.groups ?? []).map((g) => g.name)}
      />
      {p.groups?.length === 0 && (
        <p className="notice">
          This subscription has no resource group yet:{' '}
          <Link to={resourcePath(`/subscriptions/${p.subscription}`)}>create one</Link> first.
        </p>
      )}
      <TextField
        label="Virtual machine name"
        required
        value={p.name}
        onChange={(e) => pick({ name: e.target.value })}
        hint="Also the VM's host name: letters, digits and hyphens."
        error={errors.name}
      />
      <SelectField
        label="Location"
        value={p.location}
        onChange={(e) => pick({ location: e.target.value, size: '' })}
        options={p.locations.map((l) => [l.name, l.displayName] as [string, string])}
        error={errors.location}
      />
      <SelectField
        label="Size"
        value={p.size}
        onChange={(e) => pick({ size: e.target.value })}
        options={p.sizes.map(
          (s) => [s.name, `${s.name} (${s.numberOfCores} vCPU, ${s.memoryInMB / 1024} GiB)`] as [string, string],
        )}
        error={errors.size}
      />
    </fieldset>
  );
}
