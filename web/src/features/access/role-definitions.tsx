/**
 * The roles assignable at a scope, built-in and custom, filtered by name or description; choosing
 * one (its own URL, `?view=roles&role={guid}`) shows what it permits above the list, focused so a
 * keyboard or screen reader user lands on it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, usePath } from '../../router.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { TextField } from '../../ui/field.tsx';
import { Loading } from '../../ui/loading.tsx';
import { accessPath, type RoleDefinition } from './model.ts';
import { PermissionBlock } from './permission-block.tsx';
import { useRoleDefinitions } from './use-access.ts';

const rolesPath = (scope: string, role?: string) => `${accessPath(scope)}?view=roles${role ? `&role=${role}` : ''}`;

export function RoleDefinitions(props: { scope: string }): ReactNode {
  const roles = useRoleDefinitions(props.scope);
  const { query } = usePath();
  const chosenName = query.get('role')?.toLowerCase();
  const [search, setSearch] = useState('');
  const wanted = search.trim().toLowerCase();
  return (
    <section aria-labelledby="roles-heading">
      <h2 id="roles-heading">Roles</h2>
      <p>
        The roles you can assign here: Azure&apos;s built-in roles, with their ids and permissions, and the custom roles
        whose assignable scopes reach this scope. Choose one to see what it permits.
      </p>
      <Loading loaded={roles} label="Loading roles…">
        {(list) => {
          const chosen = list.find((r) => r.name.toLowerCase() === chosenName);
          const rows = list.filter(
            (r) =>
              !wanted ||
              r.properties.roleName.toLowerCase().includes(wanted) ||
              r.properties.description.toLowerCase().includes(wanted),
          );
          return (
            <>
              {chosen && <RoleDetails role={chosen} closeTo={rolesPath(props.scope)} />}
              <div className="filters">
                <TextField
                  label="Filter roles"
                  type="search"
                  value={search}
                  onChange={(e) => setSearch(e.target.value)}
                />
              </div>
              {rows.length === 0 ? (
                <EmptyState title="No role matches the filter">
                  <p>Clear the filter to see every role.</p>
                </EmptyState>
              ) : (
                <DataTable
                  label="Roles"
                  rows={rows}
                  rowKey={(r) => r.id}
                  columns={[
                    {
                      header: 'Name',
                      cell: (r) => (
                        <Link to={rolesPath(props.scope, r.name)} aria-current={r === chosen ? 'true' : undefined}>
                          {r.properties.roleName}
                        </Link>
                      ),
                    },
                    { header: 'Type', cell: (r) => (r.properties.type === 'BuiltInRole' ? 'Built-in' : 'Custom') },
                    { header: 'Description', cell: (r) => r.properties.description },
                  ]}
                />
              )}
            </>
          );
        }}
      </Loading>
    </section>
  );
}

function RoleDetails(props: { role: RoleDefinition; closeTo: string }): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  const { name, properties } = props.role;
  useEffect(() => heading.current?.focus(), [name]);
  return (
    <section aria-labelledby="role-heading" className="access-role">
      <h3 id="role-heading" tabIndex={-1} ref={heading}>
        {properties.roleName}
      </h3>
      <p>{properties.description}</p>
      <p className="access-muted">
        {properties.type === 'BuiltInRole' ? 'Built-in role' : 'Custom role'}, ID <code>{name}</code>; assignable at{' '}
        {properties.assignableScopes.map((scope) => (
          <code key={scope}>{scope} </code>
        ))}
      </p>
      {properties.permissions.map((permission, i) => (
        <PermissionBlock key={i} permission={permission} />
      ))}
      <Link to={props.closeTo}>Close</Link>
    </section>
  );
}
