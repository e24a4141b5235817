/**
 * A scope's "Access control (IAM)", as the Azure portal's blade of that name: where the scope sits
 * (breadcrumbs to it and the page of the scope itself), then one of three views, each its own URL
 * (`?view=`): the role assignments, the roles, and the caller's own access.
 */
import type { ReactNode } from 'react';
import { ancestorsOf, resourcePath } from '../../arm/ids.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link, usePath } from '../../router.tsx';
import { Page } from '../../ui/page.tsx';
import { accessPath, scopeLabel, scopeName } from './model.ts';
import { MyAccess } from './my-access.tsx';
import { RoleAssignments } from './role-assignments.tsx';
import { RoleDefinitions } from './role-definitions.tsx';
import { useSubscriptionNames } from './subscription-names.ts';

const VIEWS = [
  { key: 'assignments', label: 'Role assignments' },
  { key: 'roles', label: 'Roles' },
  { key: 'mine', label: 'My access' },
] as const;

export function AccessPage(props: { scope: string }): ReactNode {
  const { query } = usePath();
  const view = VIEWS.find((v) => v.key === query.get('view'))?.key ?? 'assignments';
  const can = usePermissions(props.scope);
  const names = useSubscriptionNames();
  return (
    <Page
      title="Access control (IAM)"
      crumbs={[
        { label: 'Home', to: '/' },
        { label: 'Access control', to: '/access' },
        ...[...ancestorsOf(props.scope), props.scope].map((id) => ({
          label: scopeName(id, names),
          to: resourcePath(id),
        })),
      ]}
    >
      <p className="access-scope">
        Scope: <Link to={resourcePath(props.scope)}>{scopeLabel(props.scope, names)}</Link> <code>{props.scope}</code>
      </p>
      <nav aria-label="Access control views" className="access-views">
        <ul>
          {VIEWS.map((v) => (
            <li key={v.key}>
              <Link to={`${accessPath(props.scope)}?view=${v.key}`} aria-current={v.key === view ? 'page' : undefined}>
                {v.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {view === 'assignments' && <RoleAssignments scope={props.scope} can={can} names={names} />}
      {view === 'roles' && <RoleDefinitions scope={props.scope} />}
      {view === 'mine' && <MyAccess scope={props.scope} />}
    </Page>
  );
}
