/** Granting roles outside the API: `kiln sp create --role --scopes`, and the administrator's first access. */
import { ArmError } from '../../core/arm-error.ts';
import { isGuid, newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import { OWNER_ROLE_ID, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID } from './built-in-roles.ts';
import { ROLE_ASSIGNMENT_KIND, type RoleAssignmentData } from './records.ts';
import { createRoleAssignment, requireAssignableScope } from './role-assignments.ts';
import { listRoleDefinitions, roleDefinitionId } from './role-definitions.ts';
import { parseScope, type Scope } from './scope.ts';

export interface RoleGrant {
  scope: Scope;
  roleDefinitionId: string;
}

/**
 * Resolves `role` (a role name such as `Contributor`, or a role definition GUID) at `scope`, so a
 * mistake is reported before anything is created.
 */
export async function resolveRoleGrant(ctx: DomainContext, role: string, rawScope: string): Promise<RoleGrant> {
  const scope = parseScope(rawScope);
  if (!scope)
    throw new ArmError(
      400,
      'InvalidRoleAssignmentScope',
      `'${rawScope}' is not a subscription, resource group or resource id.`,
    );
  requireAssignableScope(ctx, scope);
  const [byName] = await listRoleDefinitions(ctx, scope, `roleName eq '${role.replace(/'/g, "''")}'`);
  const name = byName?.name ?? (isGuid(role) ? role : undefined);
  if (!name) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `There is no role named '${role}'.`);
  return { scope, roleDefinitionId: roleDefinitionId(scope, name) };
}

export async function grantRole(ctx: DomainContext, principalId: string, grant: RoleGrant) {
  const body = {
    properties: { roleDefinitionId: grant.roleDefinitionId, principalId, principalType: 'ServicePrincipal' },
  };
  return (await createRoleAssignment(ctx, { scope: grant.scope, name: newGuid() }, body, null)).assignment;
}

/**
 * What the administrator holds at the root of every configured subscription whenever nobody does: Owner,
 * and Storage Blob Data Contributor, since Owner grants no data actions (as in Azure) and the
 * administrator uploads VHDs and scripts with a storage token.
 */
const ADMINISTRATOR_ROLES = [OWNER_ROLE_ID, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID];

/**
 * A subscription is never left without an Owner or a blob data contributor at its root: the
 * administrator gets each role nobody holds there (a fresh install, a subscription just added to
 * config.json, or data from before roles or blob authorization existed). Runs at start.
 */
export function ensureAdministratorAccess(ctx: DomainContext, administratorId: string): Promise<void> {
  return ensureSubscriptionRoles(ctx, administratorId, ADMINISTRATOR_ROLES, 'anyone');
}

/**
 * Gives `principalId` each of `roles` at the root of every configured subscription where it is
 * missing: held by `anyone` there, or by `principalId` itself. Runs at start, so it may read a whole
 * subscription's assignments.
 */
export async function ensureSubscriptionRoles(
  ctx: DomainContext,
  principalId: string,
  roles: readonly string[],
  missingWhenNotHeldBy: 'anyone' | 'principal',
): Promise<void> {
  for (const { id } of ctx.settings.subscriptions) {
    const root = `/subscriptions/${id}`;
    const assignments = await ctx.store.list<RoleAssignmentData>({
      kind: ROLE_ASSIGNMENT_KIND,
      subscription: id.toLowerCase(),
      limit: 100_000,
    });
    for (const role of roles) {
      const held = assignments.some(
        (a) =>
          a.data.roleDefinitionName === role &&
          a.data.scope.toLowerCase() === root.toLowerCase() &&
          (missingWhenNotHeldBy === 'anyone' || a.data.principalId === principalId),
      );
      if (!held) await grantRole(ctx, principalId, await resolveRoleGrant(ctx, role, root));
    }
  }
}
