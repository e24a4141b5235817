/** The role definitions and role assignments of a scope, loaded as the access pages read them. */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import type { RoleAssignment, RoleDefinition } from './model.ts';

/** The roles assignable at `scope`: the built-ins and the custom roles whose assignable scopes reach it. */
export function useRoleDefinitions(scope: string) {
  const { client } = useSession();
  return useLoad(
    () =>
      client.list<RoleDefinition>(
        `${scope}/providers/Microsoft.Authorization/roleDefinitions`,
        API_VERSIONS.authorization,
      ),
    [client, scope],
  );
}

/**
 * The assignments that apply at `scope` (at it and inherited from above: ARM's `atScope()`), or with
 * `below` every one that bears on it, those on what it holds included.
 */
export function useRoleAssignments(scope: string, below: boolean) {
  const { client } = useSession();
  const filter = below ? '' : `?$filter=${encodeURIComponent('atScope()')}`;
  return useLoad(
    () =>
      client.list<RoleAssignment>(
        `${scope}/providers/Microsoft.Authorization/roleAssignments${filter}`,
        API_VERSIONS.authorization,
      ),
    [client, scope, below],
  );
}
