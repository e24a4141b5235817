/**
 * Microsoft.Authorization/roleAssignments: a principal holds a role at a scope (subscription,
 * resource group, resource or child resource) and everything below it.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { isGuid } from '../../core/ids.ts';
import type { StoredRecord } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { findServicePrincipalByAnyId } from '../identity/service-principals.ts';
import { requireSubscription } from '../shared/scope.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';
import { filterValue, hasCall, parseFilter } from './filter.ts';
import {
  ROLE_ASSIGNMENT_KIND,
  principalKey,
  roleAssignmentKey,
  roleAssignmentRecord,
  type RoleAssignmentData,
} from './records.ts';
import { findRoleDefinition, roleDefinitionId, roleDefinitionName } from './role-definitions.ts';
import { parseScope, scopeCovers, type Scope, type ScopedRef } from './scope.ts';

const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];
/** What a PUT's `properties` may give; the read-only members a GET answers are taken back and ignored. */
const TAKES = [
  'roleDefinitionId',
  'principalId',
  'principalType',
  'description',
  'condition',
  'conditionVersion',
  'delegatedManagedIdentityResourceId',
];
const READ_ONLY = ['scope', 'createdOn', 'updatedOn', 'createdBy', 'updatedBy'];
/** Members of the model Kiln has no meaning for, each refused when it asks for something (null, as a GET answers it, asks nothing). */
const NOT_SUPPORTED: Record<string, string> = {
  condition:
    "Kiln does not evaluate role assignment conditions (ABAC): an assignment with a condition would grant more than it says here, so 'properties.condition' must be null.",
  conditionVersion:
    "Kiln does not evaluate role assignment conditions (ABAC), so 'properties.conditionVersion' must be null.",
  delegatedManagedIdentityResourceId:
    "Kiln has no delegated managed identities (cross-tenant delegation), so 'properties.delegatedManagedIdentityResourceId' must be null.",
};
// Azure allows 4,000 assignments per subscription; a page this size reads a principal's in one go.
const PAGE = 5_000;

export function roleAssignmentView(data: RoleAssignmentData) {
  const scope = parseScope(data.scope)!;
  return {
    id: `${scope.path === '/' ? '' : scope.path}/providers/Microsoft.Authorization/roleAssignments/${data.name}`,
    name: data.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: roleDefinitionId(scope, data.roleDefinitionName),
      principalId: data.principalId,
      principalType: data.principalType,
      scope: scope.path,
      condition: null,
      conditionVersion: null,
      createdOn: data.createdOn,
      updatedOn: data.updatedOn,
      createdBy: data.createdBy,
      updatedBy: data.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: data.description,
    },
  };
}

/** Every assignment of one principal, through the store's parent index. */
export async function assignmentsOfPrincipal(ctx: DomainContext, principalId: string): Promise<RoleAssignmentData[]> {
  const found: StoredRecord<RoleAssignmentData>[] = [];
  for (;;) {
    const page = await ctx.store.list<RoleAssignmentData>({
      kind: ROLE_ASSIGNMENT_KIND,
      parent: principalKey(principalId),
      afterSeq: found.at(-1)?.seq,
      limit: PAGE,
    });
    found.push(...page);
    if (page.length < PAGE) return found.map((r) => r.data);
  }
}

export function requireAssignableScope(ctx: DomainContext, scope: Scope): void {
  if (!scope.subscription)
    throw new ArmError(
      400,
      'InvalidRoleAssignmentScope',
      `Role assignments at scope '${scope.path}' are not supported; assign at a subscription, resource group or resource.`,
    );
  requireSubscription(ctx, scope.subscription);
}

export async function createRoleAssignment(
  ctx: DomainContext,
  { scope, name }: ScopedRef,
  body: Record<string, unknown>,
  caller: string | null,
) {
  requireAssignableScope(ctx, scope);
  if (!isGuid(name))
    throw new ArmError(
      400,
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
  const props = isObject(body.properties) ? body.properties : {};
  const problems = new Problems();
  refuseUnknownFields(body, ['properties'], '', problems, { readOnly: ['id', 'name', 'type'] });
  refuseUnknownFields(props, TAKES, 'properties', problems, { readOnly: READ_ONLY });
  for (const [field, why] of Object.entries(NOT_SUPPORTED))
    if (props[field] !== undefined && props[field] !== null)
      problems.add(`properties.${field}`, why, 'PropertyNotSupported');
  if (props.description !== undefined && props.description !== null && typeof props.description !== 'string')
    problems.add('properties.description', "'properties.description' must be a string.");
  const definitionName =
    typeof props.roleDefinitionId === 'string' ? roleDefinitionName(props.roleDefinitionId) : undefined;
  if (!definitionName)
    problems.add(
      'properties.roleDefinitionId',
      `The role definition ID '${String(props.roleDefinitionId)}' is not valid: give '/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{guid}'.`,
      'InvalidRoleDefinitionId',
    );
  const givenPrincipal = typeof props.principalId === 'string' ? props.principalId.trim().toLowerCase() : '';
  if (!isGuid(givenPrincipal))
    problems.add(
      'properties.principalId',
      `The principal ID '${String(props.principalId)}' is not valid. It must be the object id (a GUID) of a principal.`,
      'InvalidPrincipalId',
    );
  if (
    props.principalType !== undefined &&
    props.principalType !== null &&
    !PRINCIPAL_TYPES.includes(String(props.principalType))
  ) {
    problems.add(
      'properties.principalType',
      `The principal type '${String(props.principalType)}' is not valid. Allowed values: ${PRINCIPAL_TYPES.join(', ')}.`,
    );
  }
  problems.throwIfAny();

  const role = await findRoleDefinition(ctx, definitionName!);
  if (!role)
    throw new ArmError(
      400,
      'RoleDefinitionDoesNotExist',
      `The specified role definition with ID '${definitionName}' does not exist.`,
    );
  if (!role.assignableScopes.some((a) => scopeCovers(a.toLowerCase(), scope.key))) {
    throw new ArmError(
      400,
      'RoleDefinitionNotAssignableAtScope',
      `The role '${role.roleName}' is not assignable at scope '${scope.path}': its assignable scopes are ${role.assignableScopes.join(', ')}.`,
    );
  }
  // Kiln's directory holds service principals only (managed identities are service principals too).
  const principal = await findServicePrincipalByAnyId(ctx.store, givenPrincipal);
  if (!principal) {
    throw new ArmError(
      400,
      'PrincipalNotFound',
      `Principal ${givenPrincipal.replace(/-/g, '')} does not exist in the directory ${ctx.settings.tenantId}.`,
    );
  }
  const principalId = principal.objectId.toLowerCase();
  if (props.principalType !== undefined && props.principalType !== null && props.principalType !== 'ServicePrincipal') {
    throw new ArmError(
      400,
      'UnmatchedPrincipalType',
      `The PrincipalId '${principalId}' has type 'ServicePrincipal' , which is different from specified PrincipalType '${String(props.principalType)}'.`,
      'properties.principalType',
    );
  }

  const existing = await ctx.store.get<RoleAssignmentData>(roleAssignmentKey(scope, name));
  if (existing) {
    const same = existing.data.principalId === principalId && existing.data.roleDefinitionName === role.name;
    if (!same)
      throw new ArmError(
        409,
        'RoleAssignmentUpdateNotPermitted',
        'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
      );
    // The description is what a PUT of the same assignment may change, as in Azure (it was ignored).
    const description = typeof props.description === 'string' ? props.description : null;
    if (description === existing.data.description)
      return { status: 200 as const, assignment: roleAssignmentView(existing.data) };
    const changed = { ...existing.data, description, updatedOn: ctx.clock.now().toISOString(), updatedBy: caller };
    await ctx.store.apply([
      { op: 'put', record: roleAssignmentRecord(scope, changed), expect: { etag: existing.etag } },
    ]);
    return { status: 200 as const, assignment: roleAssignmentView(changed) };
  }
  const twin = (await assignmentsOfPrincipal(ctx, principalId)).find(
    (a) => a.roleDefinitionName === role.name && a.scope.toLowerCase() === scope.key,
  );
  if (twin)
    throw new ArmError(409, 'RoleAssignmentExists', `The role assignment already exists (name '${twin.name}').`);
  const now = ctx.clock.now().toISOString();
  const data: RoleAssignmentData = {
    name: name.toLowerCase(),
    scope: scope.path,
    roleDefinitionName: role.name,
    principalId,
    principalType: 'ServicePrincipal',
    description: typeof props.description === 'string' ? props.description : null,
    createdOn: now,
    updatedOn: now,
    createdBy: caller,
    updatedBy: caller,
  };
  await ctx.store.apply([{ op: 'put', record: roleAssignmentRecord(scope, data), expect: { absent: true } }]);
  return { status: 201 as const, assignment: roleAssignmentView(data) };
}

export async function getRoleAssignment(ctx: DomainContext, { scope, name }: ScopedRef) {
  const found = await ctx.store.get<RoleAssignmentData>(roleAssignmentKey(scope, name));
  if (!found) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
  return roleAssignmentView(found.data);
}

/** The deleted assignment, or undefined when there was none (ARM answers 204). */
export async function deleteRoleAssignment(ctx: DomainContext, { scope, name }: ScopedRef) {
  const found = await ctx.store.get<RoleAssignmentData>(roleAssignmentKey(scope, name));
  if (!found) return undefined;
  await ctx.store.apply([{ op: 'delete', key: found.key, expect: { etag: found.etag } }]);
  return roleAssignmentView(found.data);
}

/**
 * Assignments that bear on `scope`: at, above and below it; with `atScope()` only at and above
 * (what applies there); `principalId eq '{id}'` or `assignedTo('{id}')` narrow to one principal
 * (by object id, or appId: see findServicePrincipalByAnyId).
 */
export async function listRoleAssignments(ctx: DomainContext, scope: Scope, rawFilter?: string) {
  requireAssignableScope(ctx, scope);
  const filter = parseFilter(rawFilter, ['atScope', 'principalId', 'assignedTo']);
  const named = filterValue(filter, 'principalId') ?? filterValue(filter, 'assignedTo');
  const principalId = named && ((await findServicePrincipalByAnyId(ctx.store, named))?.objectId ?? named).toLowerCase();
  const atScope = hasCall(filter, 'atScope');
  const candidates = principalId
    ? await assignmentsOfPrincipal(ctx, principalId)
    : (
        await ctx.store.list<RoleAssignmentData>({
          kind: ROLE_ASSIGNMENT_KIND,
          subscription: scope.subscription!.toLowerCase(),
          limit: PAGE * 4,
        })
      ).map((r) => r.data);
  return candidates
    .filter((a) => {
      const at = a.scope.toLowerCase();
      return scopeCovers(at, scope.key) || (!atScope && scopeCovers(scope.key, at));
    })
    .map(roleAssignmentView);
}
