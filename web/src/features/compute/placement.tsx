/**
 * Where a new resource goes: its subscription, resource group, name and location, each a labelled
 * field showing the server's error for it. Until the user picks, each takes what the form prefers
 * (the source's subscription, group and location, for a copy), else the first there is; choosing
 * another subscription starts its group over. `id` is the resource id to PUT.
 */
import { useResourceGroups } from '../browse/use-resource-groups.ts';
import { useState, type ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { Link } from '../../router.tsx';
import { errorAt, SelectField, TextField } from '../../ui/field.tsx';
import { useLocations } from '../browse/locations.ts';
import { useSubscriptions } from '../browse/subscriptions.tsx';

export interface Target {
  subscription: string;
  group: string;
  name: string;
  location: string;
}

/** The paths of a PUT's answer the placement fields show. */
export const PLACEMENT_PATHS = ['name', 'location'];

export function usePlacement(type: string, preferred: Partial<Target> = {}) {
  const subscriptions = useSubscriptions();
  const [picked, setPicked] = useState<Partial<Target>>({});
  const subscription = picked.subscription || preferred.subscription || subscriptions.data?.[0]?.subscriptionId || '';
  const groups = useResourceGroups(subscription || undefined);
  const locations = useLocations(subscription || undefined);
  const samePlace = !picked.subscription || picked.subscription === preferred.subscription;
  const target: Target = {
    subscription,
    group: picked.group || (samePlace ? preferred.group : undefined) || groups.data?.[0]?.name || '',
    name: picked.name ?? '',
    location: picked.location || preferred.location || locations.data?.[0]?.name || '',
  };
  const complete = Boolean(target.subscription && target.group && target.name && target.location);
  return {
    target,
    complete,
    id: `/subscriptions/${target.subscription}/resourceGroups/${encodeURIComponent(target.group)}/providers/${type}/${encodeURIComponent(target.name)}`,
    subscriptions: subscriptions.data ?? [],
    groups: groups.data,
    locations: locations.data ?? [],
    pick: (change: Partial<Target>) =>
      setPicked((now) => ({ ...now, ...change, ...(change.subscription ? { group: undefined } : {}) })),
  };
}

export type Placement = ReturnType<typeof usePlacement>;

export function PlacementFields(props: { placement: Placement; error: unknown }): ReactNode {
  const { placement, error } = props;
  const { target, pick } = placement;
  const noGroups = placement.groups?.length === 0;
  return (
    <fieldset className="compute-placement">
      <legend>Where</legend>
      <TextField
        label="Name"
        required
        value={target.name}
        onChange={(e) => pick({ name: e.target.value })}
        error={errorAt(error, 'name')}
        hint="Letters, digits, '.', '-' and '_', up to 80 characters."
      />
      <SelectField
        label="Subscription"
        value={target.subscription}
        onChange={(e) => pick({ subscription: e.target.value })}
        options={placement.subscriptions.map((s) => [s.subscriptionId, s.displayName] as [string, string])}
      />
      <SelectField
        label="Resource group"
        value={target.group}
        onChange={(e) => pick({ group: e.target.value })}
        options={(placement.groups ?? []).map((g) => g.name)}
        error={noGroups ? 'This subscription has no resource group yet.' : undefined}
      />
      {noGroups && (
        <p className="notice">
          <Link to={resourcePath(`/subscriptions/${target.subscription}`)}>Create a resource group</Link> on the
          subscription’s page first.
        </p>
      )}
      <SelectField
        label="Location"
        value={target.location}
        onChange={(e) => pick({ location: e.target.value })}
        options={placement.locations.map((l) => [l.name, l.displayName] as [string, string])}
        error={errorAt(error, 'location')}
      />
    </fieldset>
  );
}
