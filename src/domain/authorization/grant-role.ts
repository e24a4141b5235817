/** Granting roles outside the API: `kiln sp create --role --scopes`, and the administrator's first access. */
import { ArmError } from '../../core/arm-error.ts';
import { isGuid, newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import { OWNER_ROLE_ID } from './built-in-roles.ts';
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
  if (!scope) throw new ArmError(400, 'InvalidRoleAssignmentScope', `'${rawScope}' is not a subscription, resource group or resource id.`);
  requireAssignableScope(ctx, scope);
  const [byName] = await listRoleDefinitions(ctx, scope, `roleName eq '${role.replace(/'/g, "''")}'`);
  const name = byName?.name ?? (isGuid(role) ? role : undefined);
  if (!name) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `There is no role named '${role}'.`);
  return { scope, roleDefinitionId: roleDefinitionId(scope, name) };
}

export async function grantRole(ctx: DomainContext, principalId: string, grant: RoleGrant) {
  const body = { properties: { roleDefinitionId: grant.roleDefinitionId, principalId, principalType: 'ServicePrincipal' } };
  return (await createRoleAssignment(ctx, grant.scope, newGuid(), body, null)).assignment;
}

/**
 * A subscription is never left without an Owner: the administrator becomes Owner of every
 * configured subscription that has none (a fresh install, a subscription just added to
 * config.json, or data from before roles existed). Runs at start, so it may read a whole subscription.
 */
export async function ensureSubscriptionOwners(ctx: DomainContext, administratorId: string): Promise<void> {
  for (const { id } of ctx.settings.subscriptions) {
    const assignments = await ctx.store.list<RoleAssignmentData>({ kind: ROLE_ASSIGNMENT_KIND, subscription: id.toLowerCase(), limit: 100_000 });
    const owned = assignments.some((a) => a.data.roleDefinitionName === OWNER_ROLE_ID && a.data.scope.toLowerCase() === `/subscriptions/${id}`.toLowerCase());
    if (!owned) await grantRole(ctx, administratorId, await resolveRoleGrant(ctx, OWNER_ROLE_ID, `/subscriptions/${id}`));
  }
}
