/** One permission block of a role (or of the caller at a scope): its four lists of actions, each named. */
import type { ReactNode } from 'react';
import type { Permission } from './model.ts';

const LISTS: [keyof Permission, string][] = [
  ['actions', 'Actions'],
  ['notActions', 'Not actions'],
  ['dataActions', 'Data actions'],
  ['notDataActions', 'Not data actions'],
];

export function PermissionBlock(props: { permission: Permission }): ReactNode {
  return (
    <dl className="access-permission-block">
      {LISTS.map(([field, label]) => (
        <div key={field}>
          <dt>{label}</dt>
          <dd>
            {props.permission[field].length === 0 ? (
              <span className="access-muted">none</span>
            ) : (
              <ul>
                {props.permission[field].map((action) => (
                  <li key={action}>
                    <code>{action}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}
