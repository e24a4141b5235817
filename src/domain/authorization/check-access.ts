/**
 * What a caller may do: its role assignments, each resolved to the permissions of its role, loaded
 * once per request; then every check is a walk over that short list. An assignment reaches its scope
 * and everything below it, and grants only where its role is assignable.
 */
import type { DomainContext } from '../context.ts';
import type { RoleDefinitionData } from './built-in-roles.ts';
import { permits, permitsData, type Permission } from './permissions.ts';
import { assignmentsOfPrincipal } from './role-assignments.ts';
import { findRoleDefinition } from './role-definitions.ts';
import { scopeCovers } from './scope.ts';

export interface Grant {
  /** Lower-cased scope of the assignment. */
  scope: string;
  permissions: readonly Permission[];
}

export interface CallerAccess {
  principalId: string;
  grants: readonly Grant[];
  /**
   * The grants by their scope: a check at a scope looks up the scope and each of its ancestors (a
   * handful of lookups) instead of walking every grant, which a caller with many assignments felt.
   */
  byScope: ReadonlyMap<string, readonly Grant[]>;
}

/** The caller's access made of its grants. */
function callerAccessOf(principalId: string, grants: readonly Grant[]): CallerAccess {
  const byScope = new Map<string, Grant[]>();
  for (const grant of grants) byScope.set(grant.scope, [...(byScope.get(grant.scope) ?? []), grant]);
  return { principalId, grants, byScope };
}

export async function loadCallerAccess(ctx: DomainContext, principalId: string): Promise<CallerAccess> {
  const assignments = await assignmentsOfPrincipal(ctx, principalId);
  const roles = new Map<string, RoleDefinitionData | undefined>();
  for (const { roleDefinitionName } of assignments) {
    if (!roles.has(roleDefinitionName))
      roles.set(roleDefinitionName, await findRoleDefinition(ctx, roleDefinitionName));
  }
  // An assignment whose custom role was removed grants nothing, nor one outside its role's assignable
  // scopes: a role edited to be assignable elsewhere stops granting where it no longer may be assigned.
  const grants = assignments.flatMap((a) => {
    const role = roles.get(a.roleDefinitionName);
    const scope = a.scope.toLowerCase();
    return role && role.assignableScopes.some((s) => scopeCovers(s.toLowerCase(), scope))
      ? [{ scope, permissions: role.permissions }]
      : [];
  });
  return callerAccessOf(principalId, grants);
}

/** Up to this many distinct grant scopes, a check tests each against the scope instead of looking its ancestors up. */
const FEW_SCOPES = 16;
const SLASH = 0x2f;

/**
 * Whether a grant at `scope` or above, the scope being a lower-cased key, passes `test`. Above means
 * the root or a prefix of the scope ending before one of its '/' (what scopeCovers calls an ancestor).
 */
function grantedAtOrAbove(access: CallerAccess, scope: string, test: (grant: Grant) => boolean): boolean {
  // Most callers hold grants at a few scopes: comparing each costs less than the lookups of every
  // ancestor (a new string each), which a caller with grants at many scopes needs.
  if (access.byScope.size <= FEW_SCOPES) {
    for (const [at, grants] of access.byScope) {
      const above =
        at === '/' ||
        (at !== '' && scope.startsWith(at) && (scope.length === at.length || scope.charCodeAt(at.length) === SLASH));
      if (above && grants.some(test)) return true;
    }
    return false;
  }
  // The scope, then each prefix ending before a '/', then the root.
  for (let at = scope.length; at > 0; at = scope.lastIndexOf('/', at - 1)) {
    if (access.byScope.get(scope.slice(0, at))?.some(test)) return true;
  }
  return access.byScope.get('/')?.some(test) ?? false;
}

/** An assignment at `scope` or above grants `action`. */
export function isAllowed(access: CallerAccess, action: string, scope: string): boolean {
  return grantedAtOrAbove(access, scope.toLowerCase(), (g) => permits(g.permissions, action));
}

/** An assignment at `scope` or above grants the data action (Owner's `*` does not: Azure keeps data access apart). */
export function isDataAllowed(access: CallerAccess, dataAction: string, scope: string): boolean {
  return grantedAtOrAbove(access, scope.toLowerCase(), (g) => permitsData(g.permissions, dataAction));
}

/** An assignment strictly below `scope` grants `action`: a list there shows the caller part of it. */
export function isAllowedBelow(access: CallerAccess, action: string, scope: string): boolean {
  const key = scope.toLowerCase();
  return access.grants.some((g) => g.scope !== key && scopeCovers(key, g.scope) && permits(g.permissions, action));
}

/** Any assignment at, above or below `scope`, whatever its role: how ARM decides which subscriptions a caller sees. */
export function hasAssignmentAround(access: CallerAccess, scope: string): boolean {
  const key = scope.toLowerCase();
  return access.grants.some((g) => scopeCovers(g.scope, key) || scopeCovers(key, g.scope));
}
