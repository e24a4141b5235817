/**
 * Adding a role assignment at a scope: a role assignable there and a principal, typed by its object
 * or application id (Kiln accepts either, as it has no directory to resolve names) or picked from
 * the principals ARM lists. The server's complaints land at the field they name.
 */
import { useId, useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError, SelectField, TextField } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import type { RoleDefinition } from './model.ts';
import type { KnownPrincipal } from './use-known-principals.ts';

const ROLE_FIELD = 'properties.roleDefinitionId';
const PRINCIPAL_FIELD = 'properties.principalId';

export function AddRoleAssignment(props: {
  scope: string;
  /** The scope as the page names it, for the message that says it is done. */
  scopeText: string;
  roles: readonly RoleDefinition[];
  principals: readonly KnownPrincipal[];
  onAdded(): void;
}): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const listId = useId();
  const [roleId, setRoleId] = useState('');
  const [principal, setPrincipal] = useState('');
  const [description, setDescription] = useState('');
  const role = props.roles.find((r) => r.id === roleId);

  const { busy, error, submit } = useFormSubmit(async () => {
    await client.change(
      'PUT',
      `${props.scope}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}`,
      API_VERSIONS.authorization,
      {
        properties: {
          roleDefinitionId: roleId,
          principalId: principal.trim(),
          ...(description.trim() ? { description: description.trim() } : {}),
        },
      },
    );
    toast.success(`${role?.properties.roleName ?? 'Role'} assigned to ${principal.trim()} at ${props.scopeText}`);
    setPrincipal('');
    setDescription('');
    props.onAdded();
  });

  return (
    <form className="inline-form access-add" aria-label="Add role assignment" onSubmit={submit}>
      <SelectField
        label="Role"
        required
        value={roleId}
        onChange={(e) => setRoleId(e.target.value)}
        options={[['', 'Choose a role…'], ...props.roles.map((r) => [r.id, r.properties.roleName] as [string, string])]}
        hint={role?.properties.description}
        error={errorAt(error, ROLE_FIELD)}
      />
      <TextField
        label="Principal (object or application ID)"
        required
        value={principal}
        list={listId}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => setPrincipal(e.target.value)}
        hint="The objectId or appId that kiln sp create printed, or one of the suggestions."
        error={errorAt(error, PRINCIPAL_FIELD)}
      />
      <datalist id={listId}>
        {props.principals.map((p) => (
          <option key={p.id} value={p.id} label={p.label} />
        ))}
      </datalist>
      <TextField label="Description (optional)" value={description} onChange={(e) => setDescription(e.target.value)} />
      <button type="submit" disabled={busy || !roleId || !principal.trim()}>
        {busy ? <Spinner label="Adding…" /> : 'Add role assignment'}
      </button>
      <FormError error={error} shown={[ROLE_FIELD, PRINCIPAL_FIELD]} />
    </form>
  );
}
