/**
 * Creates a gallery: in a subscription and resource group the principal picks, in the group's
 * region unless another is chosen. Server errors land at the field whose JSON path they name.
 */
import { useResourceGroups } from '../browse/use-resource-groups.ts';
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError, SelectField, TextField } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { useLocations } from '../browse/locations.ts';
import type { Subscription } from '../browse/subscriptions.tsx';
import { FormSection } from './form-section.tsx';

const SHOWN = ['galleryName', 'location', 'properties.description'];

export function CreateGalleryForm(props: { subscriptions: Subscription[]; onCreated(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const [subscription, setSubscription] = useState('');
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const [description, setDescription] = useState('');
  const chosenSubscription = subscription || props.subscriptions[0]?.subscriptionId || '';
  const groups = useResourceGroups(chosenSubscription || undefined);
  const locations = useLocations(chosenSubscription);
  const chosenGroup = groups.data?.find((g) => g.name === group) ?? groups.data?.[0];
  const chosenLocation = location || chosenGroup?.location || locations.data?.[0]?.name || '';
  const groupScope = chosenGroup
    ? `/subscriptions/${chosenSubscription}/resourceGroups/${chosenGroup.name}`
    : undefined;
  const can = usePermissions(groupScope);
  const allowed = can('Microsoft.Compute/galleries/write');
  const { busy, error, submit } = useFormSubmit(async () => {
    await client.change(
      'PUT',
      `${groupScope}/providers/Microsoft.Compute/galleries/${encodeURIComponent(name)}`,
      API_VERSIONS.galleries,
      { location: chosenLocation, properties: description ? { description } : {} },
    );
    toast.success(`Gallery ${name} created`);
    setName('');
    setDescription('');
    props.onCreated();
  });
  return (
    <FormSection
      title="Create gallery"
      onSubmit={submit}
      submit={{
        label: 'Create gallery',
        busyLabel: 'Creating…',
        busy,
        disabled: !name || !chosenGroup || !allowed,
        title: allowed ? undefined : 'Your role does not allow creating galleries in this resource group.',
      }}
    >
      <SelectField
        label="Subscription"
        value={chosenSubscription}
        onChange={(e) => setSubscription(e.target.value)}
        options={props.subscriptions.map((s) => [s.subscriptionId, s.displayName] as [string, string])}
      />
      <SelectField
        label="Resource group"
        value={chosenGroup?.name ?? ''}
        onChange={(e) => setGroup(e.target.value)}
        options={(groups.data ?? []).map((g) => g.name)}
      />
      {groups.data?.length === 0 && (
        <p>
          This subscription has no resource groups:{' '}
          <Link to={resourcePath(`/subscriptions/${chosenSubscription}`)}>create one</Link> first.
        </p>
      )}
      <TextField
        label="Name"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errorAt(error, 'galleryName')}
        hint="Letters, digits, underscores and periods; not starting or ending with a period."
      />
      <SelectField
        label="Location"
        value={chosenLocation}
        onChange={(e) => setLocation(e.target.value)}
        options={(locations.data ?? []).map((l) => [l.name, l.displayName] as [string, string])}
        error={errorAt(error, 'location')}
      />
      <TextField
        label="Description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={errorAt(error, 'properties.description')}
      />
      <FormError error={error} shown={SHOWN} />
    </FormSection>
  );
}
