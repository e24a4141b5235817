/**
 * "View my access": what the signed-in principal may do at the scope, from Microsoft.Authorization's
 * permissions list (its own role assignments that apply here), as a short summary of the usual
 * actions and then every permission block in full.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { allows } from '../../hooks/use-permissions.ts';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { actionTypeOf, ASSIGNMENT_WRITE, type Permission } from './model.ts';
import { PermissionBlock } from './permission-block.tsx';

/** The everyday questions about a scope, each as the action that answers it. */
function questionsAt(scope: string): [string, string][] {
  const type = actionTypeOf(scope);
  const questions: [string, string][] = [
    ['Read it and what it holds', `${type}/read`],
    ['Change it', `${type}/write`],
  ];
  if (parseId(scope).type !== 'Microsoft.Resources/subscriptions') questions.push(['Delete it', `${type}/delete`]);
  questions.push(['Give others access (role assignments)', ASSIGNMENT_WRITE]);
  return questions;
}

export function MyAccess(props: { scope: string }): ReactNode {
  const { client } = useSession();
  const permissions = useLoad(
    () =>
      client.list<Permission>(
        `${props.scope}/providers/Microsoft.Authorization/permissions`,
        API_VERSIONS.authorization,
      ),
    [client, props.scope],
  );
  return (
    <section aria-labelledby="mine-heading">
      <h2 id="mine-heading">My access</h2>
      <Loading loaded={permissions} label="Loading your permissions…">
        {(blocks) =>
          blocks.length === 0 ? (
            <EmptyState title="You hold no role here">
              <p>Ask an Owner of this scope, or of one above it, to assign you a role.</p>
            </EmptyState>
          ) : (
            <>
              <DataTable
                label="What you may do here"
                rows={questionsAt(props.scope)}
                rowKey={([, action]) => action}
                columns={[
                  { header: 'You may', cell: ([question]) => question },
                  { header: 'Action', cell: ([, action]) => <code>{action}</code> },
                  { header: 'Allowed', cell: ([, action]) => (allows(blocks, action) ? 'Yes' : 'No') },
                ]}
              />
              <h3>Your permissions here</h3>
              <p>One block for each of your role assignments at this scope or above.</p>
              {blocks.map((block, i) => (
                <PermissionBlock key={i} permission={block} />
              ))}
            </>
          )
        }
      </Loading>
    </section>
  );
}
