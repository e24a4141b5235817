/**
 * Microsoft.Authorization/roleDefinitions: the built-ins, visible at every scope, and custom roles
 * made by PUT with their permissions and the scopes they may be assigned at.
 *
 * A custom role is tenant-wide and its assignments may sit anywhere under its assignable scopes, so,
 * as in Azure, changing one takes `roleDefinitions/write` (deleting, `/delete`) at every scope it is
 * assignable at now and every scope it will be; otherwise an Owner of one resource group could
 * rewrite a role assigned at the subscription. Assignable scopes never shrink away from an
 * assignment of the role, and a role still assigned is never deleted.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { isGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import { requireSubscription } from '../shared/scope.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';
import { BUILT_IN_ROLES, findBuiltInRole, type RoleDefinitionData } from './built-in-roles.ts';
import { filterValue, parseFilter } from './filter.ts';
import { authorizationFailed } from './denials.ts';
import { checkPermissions } from './permissions.ts';
import {
  ROLE_ASSIGNMENT_KIND,
  ROLE_DEFINITION_KIND,
  roleDefinitionKey,
  roleDefinitionRecord,
  type RoleAssignmentData,
} from './records.ts';
import { parseScope, scopeCovers, type Scope, type ScopedRef } from './scope.ts';

const DEFINITION_ID = /^(?:\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i;
const LIST_LIMIT = 10_000;
const WRITE = 'Microsoft.Authorization/roleDefinitions/write';
const DELETE = 'Microsoft.Authorization/roleDefinitions/delete';

/** Who changes a custom role: the object id recorded as its author, and what that principal's role assignments allow. */
export interface RoleEditor {
  principalId: string;
  may(action: string, scope: string): boolean;
}

/** A role definition's id as seen from `scope`: under its subscription, or at the root. */
export function roleDefinitionId(scope: Scope, name: string): string {
  return `${scope.subscription ? `/subscriptions/${scope.subscription}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${name}`;
}

export function roleDefinitionView(scope: Scope, data: RoleDefinitionData) {
  return {
    id: roleDefinitionId(scope, data.name),
    name: data.name,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: data.roleName,
      type: data.type,
      description: data.description,
      assignableScopes: data.assignableScopes,
      permissions: data.permissions,
      createdOn: data.createdOn ?? null,
      updatedOn: data.updatedOn ?? null,
      createdBy: data.createdBy ?? null,
      updatedBy: data.updatedBy ?? null,
    },
  };
}

/** The GUID a `roleDefinitionId` names (`/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}` or the root form). */
export function roleDefinitionName(id: string): string | undefined {
  const name = DEFINITION_ID.exec(id.trim())?.[1];
  return name && isGuid(name) ? name.toLowerCase() : undefined;
}

export async function findRoleDefinition(ctx: DomainContext, name: string): Promise<RoleDefinitionData | undefined> {
  return findBuiltInRole(name) ?? (await ctx.store.get<RoleDefinitionData>(roleDefinitionKey(name)))?.data;
}

const roleDefinitionNotFound = (name: string) =>
  new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);

export async function getRoleDefinition(ctx: DomainContext, { scope, name }: ScopedRef) {
  const found = isGuid(name) ? await findRoleDefinition(ctx, name) : undefined;
  if (!found) throw roleDefinitionNotFound(name);
  return roleDefinitionView(scope, found);
}

async function customRoles(ctx: DomainContext): Promise<RoleDefinitionData[]> {
  return (await ctx.store.list<RoleDefinitionData>({ kind: ROLE_DEFINITION_KIND, limit: LIST_LIMIT })).map(
    (r) => r.data,
  );
}

/**
 * The roles usable at `scope`: every built-in, and the custom roles assignable at, above or below it
 * (as `az role definition list --scope` shows the custom roles of a subscription). `$filter` may name
 * `roleName` and `type` (`BuiltInRole`, `CustomRole`).
 */
export async function listRoleDefinitions(ctx: DomainContext, scope: Scope, rawFilter?: string) {
  const filter = parseFilter(rawFilter, ['roleName', 'type']);
  const roleName = filterValue(filter, 'roleName')?.toLowerCase();
  const type = filterValue(filter, 'type')?.toLowerCase();
  const custom = (await customRoles(ctx)).filter((role) =>
    role.assignableScopes.some(
      (a) => scopeCovers(a.toLowerCase(), scope.key) || scopeCovers(scope.key, a.toLowerCase()),
    ),
  );
  return [...BUILT_IN_ROLES, ...custom]
    .filter(
      (role) =>
        (roleName === undefined || role.roleName.toLowerCase() === roleName) &&
        (type === undefined || role.type.toLowerCase() === type),
    )
    .map((role) => roleDefinitionView(scope, role));
}

export async function createOrUpdateRoleDefinition(
  ctx: DomainContext,
  { scope, name }: ScopedRef,
  body: Record<string, unknown>,
  editor: RoleEditor,
) {
  if (!isGuid(name))
    throw new ArmError(
      400,
      'InvalidRoleDefinitionId',
      `The role definition ID '${name}' is not valid. The role definition ID must be a GUID.`,
    );
  if (findBuiltInRole(name))
    throw new ArmError(
      409,
      'RoleDefinitionUpdateNotPermitted',
      `The built-in role definition '${name}' cannot be changed.`,
    );
  const props = isObject(body.properties) ? body.properties : {};
  const problems = new Problems();
  // Members outside the model are refused, not dropped; the read-only ones a GET answers are taken back.
  refuseUnknownFields(body, ['properties'], '', problems, { readOnly: ['id', 'name', 'type'] });
  refuseUnknownFields(
    props,
    ['roleName', 'description', 'type', 'permissions', 'assignableScopes'],
    'properties',
    problems,
    {
      readOnly: ['createdOn', 'updatedOn', 'createdBy', 'updatedBy'],
    },
  );
  const roleName = typeof props.roleName === 'string' ? props.roleName.trim() : '';
  if (roleName === '')
    problems.add(
      'properties.roleName',
      "The 'properties.roleName' property is required.",
      'RoleDefinitionNameNullOrEmpty',
    );
  if (props.type !== undefined && String(props.type).toLowerCase() !== 'customrole') {
    problems.add(
      'properties.type',
      "Only custom roles can be created: 'properties.type' must be 'CustomRole'.",
      'InvalidRoleDefinitionType',
    );
  }
  if (props.description !== undefined && props.description !== null && typeof props.description !== 'string') {
    problems.add('properties.description', "'properties.description' must be a string.");
  }
  const assignableScopes = checkAssignableScopes(ctx, props.assignableScopes, problems);
  const permissions = checkPermissions(props.permissions, 'properties.permissions', problems);
  problems.throwIfAny();

  const existing = await ctx.store.get<RoleDefinitionData>(roleDefinitionKey(name));
  requireEveryScope(editor, WRITE, [...(existing?.data.assignableScopes ?? []), ...assignableScopes]);
  if (existing) await requireAssignmentsKept(ctx, existing.data, assignableScopes);
  const clash = [...BUILT_IN_ROLES, ...(await customRoles(ctx))].find(
    (r) => r.name !== name.toLowerCase() && r.roleName.toLowerCase() === roleName.toLowerCase(),
  );
  if (clash)
    throw new ArmError(
      409,
      'RoleDefinitionWithSameNameExists',
      `A custom role with the same name '${roleName}' already exists in this directory.`,
    );
  const now = ctx.clock.now().toISOString();
  const data: RoleDefinitionData = {
    name: name.toLowerCase(),
    roleName,
    type: 'CustomRole',
    description: typeof props.description === 'string' ? props.description : '',
    assignableScopes,
    permissions,
    createdOn: existing?.data.createdOn ?? now,
    updatedOn: now,
    createdBy: existing?.data.createdBy ?? editor.principalId,
    updatedBy: editor.principalId,
  };
  await ctx.store.apply([
    { op: 'put', record: roleDefinitionRecord(data), expect: existing ? { etag: existing.etag } : { absent: true } },
  ]);
  return { status: existing ? 200 : 201, definition: roleDefinitionView(scope, data) };
}

function checkAssignableScopes(ctx: DomainContext, value: unknown, problems: Problems): string[] {
  const target = 'properties.assignableScopes';
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(
      target,
      `The '${target}' property must list at least one subscription, resource group or resource.`,
      'InvalidAssignableScopes',
    );
    return [];
  }
  return value.flatMap((raw, i) => {
    const scope = typeof raw === 'string' ? parseScope(raw) : undefined;
    if (!scope?.subscription) {
      problems.add(
        `${target}[${i}]`,
        `The assignable scope '${String(raw)}' is not a subscription, resource group or resource id.`,
        'InvalidAssignableScopes',
      );
      return [];
    }
    requireSubscription(ctx, scope.subscription);
    return [scope.path];
  });
}

/** A custom role still assigned somewhere cannot go, as in Azure. */
export async function deleteRoleDefinition(ctx: DomainContext, { scope, name }: ScopedRef, editor: RoleEditor) {
  if (findBuiltInRole(name))
    throw new ArmError(
      409,
      'RoleDefinitionUpdateNotPermitted',
      `The built-in role definition '${name}' cannot be deleted.`,
    );
  if (!isGuid(name)) return undefined;
  const existing = await ctx.store.get<RoleDefinitionData>(roleDefinitionKey(name));
  if (!existing) return undefined;
  requireEveryScope(editor, DELETE, existing.data.assignableScopes);
  if ((await assignmentsOfRole(ctx, existing.data.name)).length > 0) {
    throw new ArmError(
      409,
      'RoleDefinitionHasAssignments',
      `There are existing role assignments referencing role '${existing.data.roleName}' (code: RoleDefinitionHasAssignments); delete them first.`,
    );
  }
  await ctx.store.apply([{ op: 'delete', key: existing.key, expect: { etag: existing.etag } }]);
  return roleDefinitionView(scope, existing.data);
}

/** The editor holds `action` at each of `scopes`; the first one it lacks is refused. */
function requireEveryScope(editor: RoleEditor, action: string, scopes: readonly string[]): void {
  const lacking = scopes.find((s) => !editor.may(action, s));
  if (lacking !== undefined) throw authorizationFailed(editor.principalId, action, lacking);
}

/**
 * The new assignable scopes still cover every assignment of the role: an assignment left outside
 * would be orphaned (and grants nothing: check-access.ts), so Azure refuses, naming the scope.
 */
async function requireAssignmentsKept(
  ctx: DomainContext,
  role: RoleDefinitionData,
  assignableScopes: readonly string[],
): Promise<void> {
  const covered = (scope: string) => assignableScopes.some((a) => scopeCovers(a.toLowerCase(), scope.toLowerCase()));
  const orphan = (await assignmentsOfRole(ctx, role.name)).find((a) => !covered(a.scope));
  if (!orphan) return;
  const removed =
    role.assignableScopes.find((a) => scopeCovers(a.toLowerCase(), orphan.scope.toLowerCase())) ?? orphan.scope;
  throw new ArmError(
    409,
    'RoleScopeBeingRemovedContainsAssignments',
    `Role assignments found under scope '${removed}' which is being removed. Removing this scope from the role will orphan these assignments (such as '${orphan.scope}/providers/Microsoft.Authorization/roleAssignments/${orphan.name}'). Delete these assignments before removing the scope.`,
    'properties.assignableScopes',
  );
}

/**
 * Every assignment of one role, in every subscription. Nothing indexes assignments by role, so this
 * pages through all of them: only changing or deleting a custom role pays for it.
 */
async function assignmentsOfRole(ctx: DomainContext, roleName: string): Promise<RoleAssignmentData[]> {
  const found: RoleAssignmentData[] = [];
  for (let afterSeq: number | undefined; ;) {
    const page = await ctx.store.list<RoleAssignmentData>({ kind: ROLE_ASSIGNMENT_KIND, afterSeq, limit: LIST_LIMIT });
    found.push(...page.map((r) => r.data).filter((a) => a.roleDefinitionName === roleName));
    if (page.length < LIST_LIMIT) return found;
    afterSeq = page.at(-1)!.seq;
  }
}
