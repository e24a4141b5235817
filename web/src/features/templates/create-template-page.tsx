/**
 * "Create template": resource group, name and location in fields, the rest of the template as the
 * JSON Azure VM Image Builder takes, prefilled with an example that runs as it is until the user
 * edits it. A refusal shows each problem at its JSON path (name and location at their fields, the
 * rest listed under the JSON) and keeps every character the user wrote.
 */
import { useResourceGroups } from '../browse/use-resource-groups.ts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { FormError, SelectField, TextField } from '../../ui/field.tsx';
import { Page } from '../../ui/page.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { useLocations } from '../browse/locations.ts';
import { useSubscriptions } from '../browse/subscriptions.tsx';
import { exampleTemplate, useFirstPlatformImage } from './example-template.ts';
import { JsonField } from './json-field.tsx';
import { problemAt, problemsOf } from './json-problems.ts';
import { API_VERSION, TEMPLATE_TYPE } from './model.ts';

/** Paths the form's own fields show. */
const FIELD_PATHS = ['name', 'location'];

export function CreateTemplatePage(): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const subscriptions = useSubscriptions();
  const [picked, setPicked] = useState({ subscription: '', group: '', name: '', location: '' });
  const subscription = picked.subscription || subscriptions.data?.[0]?.subscriptionId || '';
  const groups = useResourceGroups(subscription || undefined);
  const locations = useLocations(subscription || undefined);
  const where = {
    subscription,
    group: picked.group || groups.data?.[0]?.name || '',
    name: picked.name,
    location: picked.location || locations.data?.[0]?.name || '',
  };
  const image = useFirstPlatformImage(subscription, where.location);
  // Untouched, the JSON follows the fields (the output's image id names the group and location); edited, it is the user's.
  const [edited, setEdited] = useState<string>();
  const json = edited ?? exampleTemplate(where, image.data ?? null);
  const [error, setError] = useState<unknown>();
  const [parseError, setParseError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const can = usePermissions(where.group ? `/subscriptions/${subscription}/resourceGroups/${where.group}` : undefined);
  const allowed = can(`${TEMPLATE_TYPE}/write`);
  const pick = (change: Partial<typeof picked>) =>
    setPicked((now) => ({ ...now, ...change, ...(change.subscription ? { group: '', location: '' } : {}) }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setParseError(undefined);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(json) as Record<string, unknown>;
    } catch (failure) {
      setParseError((failure as Error).message);
      return;
    }
    const id = `/subscriptions/${subscription}/resourceGroups/${encodeURIComponent(where.group)}/providers/${TEMPLATE_TYPE}/${encodeURIComponent(where.name)}`;
    setBusy(true);
    try {
      await client.change('PUT', id, API_VERSION, { ...body, location: where.location });
      toast.success(`Image template ${where.name} created`);
      navigate(resourcePath(id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const problems = problemsOf(error);
  const jsonProblems = problems.filter((p) => !FIELD_PATHS.includes(p.path.toLowerCase()));
  return (
    <Page
      title="Create image template"
      crumbs={[
        { label: 'Home', to: '/' },
        { label: 'Image templates', to: '/templates' },
      ]}
    >
      <form className="stacked template-create" aria-label="Create image template" onSubmit={submit}>
        <SelectField
          label="Subscription"
          value={subscription}
          onChange={(e) => pick({ subscription: e.target.value })}
          options={(subscriptions.data ?? []).map((s) => [s.subscriptionId, s.displayName] as [string, string])}
        />
        <SelectField
          label="Resource group"
          value={where.group}
          onChange={(e) => pick({ group: e.target.value })}
          options={(groups.data ?? []).map((g) => g.name)}
          hint={
            groups.data?.length === 0
              ? 'This subscription has no resource group yet: create one on its page first.'
              : undefined
          }
        />
        <TextField
          label="Name"
          required
          value={where.name}
          onChange={(e) => pick({ name: e.target.value })}
          error={problemAt(problems, 'name')}
        />
        <SelectField
          label="Location"
          value={where.location}
          onChange={(e) => pick({ location: e.target.value })}
          options={(locations.data ?? []).map((l) => [l.name, l.displayName] as [string, string])}
          error={problemAt(problems, 'location')}
        />
        <JsonField
          label="Template JSON"
          value={json}
          onChange={setEdited}
          problems={jsonProblems}
          parseError={parseError}
          hint={`The template as Azure VM Image Builder takes it (properties: source, customize, distribute; identity and tags if any), without its location, which the field above gives.${image.data === null ? ' The platform image catalog has no image in this location: import one with kiln platform-image import, or start from another source.' : ''}`}
        />
        {edited !== undefined && (
          <button type="button" className="secondary" onClick={() => setEdited(undefined)}>
            Start again from the example
          </button>
        )}
        <FormError error={error} shown={problems.map((p) => p.path)} />
        {!allowed && (
          <p className="notice">Your role does not allow creating image templates in this resource group.</p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy || !allowed || !where.name || !where.group || !where.location}>
            {busy ? <Spinner label="Creating…" /> : 'Create template'}
          </button>
          <Link to="/templates">Back to image templates</Link>
        </div>
      </form>
    </Page>
  );
}
