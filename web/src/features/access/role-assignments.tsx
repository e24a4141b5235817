/**
 * Who has which role at a scope: the assignments that apply there (at it or inherited from above,
 * each saying where it sits), or with "Include assignments below" also those on what the scope
 * holds. Adding and removing show only to a caller who may write and delete role assignments here;
 * an inherited assignment is removed at its own scope, which its row links to.
 */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import type { Can } from '../../hooks/use-permissions.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { ConfirmButton } from '../../ui/confirm-button.tsx';
import { DataTable, type Column } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { AddRoleAssignment } from './add-assignment.tsx';
import { useCallerObjectId } from './caller.ts';
import {
  accessPath,
  ASSIGNMENT_DELETE,
  ASSIGNMENT_WRITE,
  placementOf,
  roleKey,
  scopeLabel,
  type RoleAssignment,
} from './model.ts';
import { useRoleAssignments, useRoleDefinitions } from './use-access.ts';
import { useKnownPrincipals } from './use-known-principals.ts';

export function RoleAssignments(props: {
  scope: string;
  can: Can;
  /** Subscription display names by lower-cased id. */
  names: ReadonlyMap<string, string>;
}): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const me = useCallerObjectId();
  const [below, setBelow] = useState(false);
  const roles = useRoleDefinitions(props.scope);
  const assignments = useRoleAssignments(props.scope, below);
  const principals = useKnownPrincipals(props.scope, assignments.data ?? []);
  const roleNames = new Map((roles.data ?? []).map((r) => [r.name.toLowerCase(), r.properties.roleName]));
  const roleOf = (a: RoleAssignment) =>
    roleNames.get(roleKey(a.properties.roleDefinitionId)) ?? roleKey(a.properties.roleDefinitionId);
  // The form waits for the caller's permissions rather than showing and vanishing for a Reader.
  const mayAdd = props.can.settled && props.can(ASSIGNMENT_WRITE);
  const mayRemove = props.can(ASSIGNMENT_DELETE);

  const remove = async (a: RoleAssignment) => {
    try {
      await client.change('DELETE', a.id, API_VERSIONS.authorization);
      toast.success(`Removed ${roleOf(a)} from ${a.properties.principalId}`);
      assignments.reload();
    } catch (failure) {
      toast.error(failure);
    }
  };

  const columns: Column<RoleAssignment>[] = [
    { header: 'Role', cell: roleOf },
    {
      header: 'Principal',
      cell: (a) => (
        <>
          <code>{a.properties.principalId}</code>
          {a.properties.principalId.toLowerCase() === me && ' (you)'}
        </>
      ),
    },
    { header: 'Type', cell: (a) => a.properties.principalType },
    { header: 'Scope', cell: (a) => <ScopeCell at={a.properties.scope} scope={props.scope} names={props.names} /> },
    { header: 'Description', cell: (a) => a.properties.description ?? '' },
  ];
  if (mayRemove)
    columns.push({
      header: 'Actions',
      cell: (a) =>
        placementOf(a.properties.scope, props.scope) === 'inherited' ? (
          <span className="access-muted">Remove it at its scope</span>
        ) : (
          <ConfirmButton
            label="Remove"
            question={`Remove the ${roleOf(a)} role of ${a.properties.principalId} at ${scopeLabel(a.properties.scope, props.names)}? The access it gives ends at once${a.properties.principalId.toLowerCase() === me ? ', and it is your own' : ''}.`}
            onConfirm={() => remove(a)}
          />
        ),
    });

  return (
    <section aria-labelledby="assignments-heading">
      <h2 id="assignments-heading">Role assignments</h2>
      {mayAdd ? (
        <Loading loaded={roles} label="Loading roles…">
          {(list) => (
            <AddRoleAssignment
              scope={props.scope}
              scopeText={scopeLabel(props.scope, props.names)}
              roles={list}
              principals={principals}
              onAdded={assignments.reload}
            />
          )}
        </Loading>
      ) : (
        props.can.settled && (
          <p className="notice">
            You can see who has access here. Adding or removing role assignments takes Owner or User Access
            Administrator at this scope or above.
          </p>
        )
      )}
      <label className="checkbox access-below">
        <input type="checkbox" checked={below} onChange={(e) => setBelow(e.target.checked)} />
        Include assignments below this scope
      </label>
      <Loading loaded={assignments} label="Loading role assignments…">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No role assignments here">
              <p>
                {mayAdd
                  ? 'Add one above: choose a role and the principal that should hold it.'
                  : 'Ask an Owner of this scope to assign roles.'}
              </p>
            </EmptyState>
          ) : (
            <DataTable label="Role assignments" rows={rows} rowKey={(a) => a.id} columns={columns} />
          )
        }
      </Loading>
    </section>
  );
}

/** Where an assignment sits: at this scope, inherited from a scope above, or on something below. */
function ScopeCell(props: { at: string; scope: string; names: ReadonlyMap<string, string> }): ReactNode {
  const placement = placementOf(props.at, props.scope);
  if (placement === 'here') return 'This scope';
  return (
    <>
      {placement === 'inherited' ? 'Inherited from ' : 'Below: '}
      <Link to={accessPath(props.at)}>{scopeLabel(props.at, props.names)}</Link>
    </>
  );
}
