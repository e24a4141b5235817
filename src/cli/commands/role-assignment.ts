/**
 * `kiln role assignment`: who holds which role where, as `az role assignment`. `--assignee` is an
 * object id or an appId (Kiln resolves either; az asks Microsoft Graph). Lists name each
 * assignment's role (`roleDefinitionName`), as az does.
 */
import { ArmError } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { UsageError, type Flag } from '../arm/args.ts';
import type { Context, GroupSpec } from '../arm/command.ts';
import type { Session } from '../arm/session.ts';
import {
  API,
  AUTHORIZATION,
  GROUP,
  listDefinitions,
  roleDefinitionIdOf,
  roleGuid,
  SCOPE,
  scopeOf,
} from './role-scope.ts';

interface Assignment {
  id: string;
  properties: { principalId: string; roleDefinitionId: string; scope: string };
}

const ASSIGNEE: Flag = { name: 'assignee', help: 'The object id or appId of the service principal.' };
const ROLE: Flag = { name: 'role', help: 'Role name (e.g. Contributor, Reader) or id.' };

const table = (item: Record<string, unknown>) => ({
  Principal: item.principalId,
  Role: item.roleDefinitionName,
  Scope: item.scope,
});

const sameScope = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
const covers = (ancestor: string, scope: string) =>
  sameScope(ancestor, scope) || scope.toLowerCase().startsWith(`${ancestor.toLowerCase()}/`);

/**
 * Assignments as az finds them: those at the scope (and above it with `inherited`), or with `all`
 * every one that bears on it; optionally of one assignee and one role.
 */
async function findAssignments(
  ctx: Context,
  session: Session,
  options: { all: boolean; inherited: boolean },
): Promise<Assignment[]> {
  const scope = scopeOf(session, ctx.args);
  const assignee = ctx.args.string('assignee');
  const role = ctx.args.string('role');
  const filter = assignee ? `?$filter=${encodeURIComponent(`principalId eq '${assignee}'`)}` : '';
  const all = (await session.client.list(`${scope}/${AUTHORIZATION}/roleAssignments${filter}`, API)) as Assignment[];
  const roleId = role === undefined ? undefined : roleGuid(await roleDefinitionIdOf(session, scope, role));
  return all.filter(
    (a) =>
      (options.all ||
        sameScope(a.properties.scope, scope) ||
        (options.inherited && covers(a.properties.scope, scope))) &&
      (roleId === undefined || roleGuid(a.properties.roleDefinitionId) === roleId),
  );
}

/** Each assignment with the name of its role. */
async function named(session: Session, assignments: Assignment[]) {
  const roles = new Map(
    (await listDefinitions(session, `/subscriptions/${session.subscription}`)).map((d) => [
      d.name.toLowerCase(),
      d.properties.roleName,
    ]),
  );
  return assignments.map((a) => ({ ...a, roleDefinitionName: roles.get(roleGuid(a.properties.roleDefinitionId)) }));
}

export const roleAssignment: GroupSpec = {
  name: 'assignment',
  summary: 'Manage role assignments.',
  commands: [
    {
      name: 'create',
      summary: 'Create a new role assignment for a principal.',
      flags: [
        { ...ASSIGNEE, required: true },
        { ...ROLE, required: true },
        SCOPE,
        GROUP,
        { name: 'description', help: 'Description of the role assignment.' },
      ],
      examples: [
        {
          title: 'Let the image builder distribute to a resource group.',
          command:
            'kiln role assignment create --assignee 00000000-0000-0000-0000-000000000000 --role Contributor --scope /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/images',
        },
        {
          title: 'Reader on a resource group of the default subscription.',
          command:
            'kiln role assignment create --assignee 00000000-0000-0000-0000-000000000000 --role Reader -g sources',
        },
      ],
      async run(ctx) {
        const session = await ctx.session();
        const scope = scopeOf(session, ctx.args);
        const roleDefinitionId = await roleDefinitionIdOf(session, scope, ctx.args.required('role'));
        const body = {
          properties: {
            roleDefinitionId,
            principalId: ctx.args.required('assignee'),
            principalType: 'ServicePrincipal',
            description: ctx.args.string('description'),
          },
        };
        try {
          return (
            await session.client.send('PUT', `${scope}/${AUTHORIZATION}/roleAssignments/${newGuid()}`, {
              apiVersion: API,
              body,
            })
          ).body;
        } catch (error) {
          // Granting what is already held is done, as az reports it: the existing assignment.
          if (!(error instanceof ArmError && error.code === 'RoleAssignmentExists')) throw error;
          const [existing] = await findAssignments(ctx, session, { all: false, inherited: false });
          if (!existing) throw error;
          return existing;
        }
      },
    },
    {
      name: 'list',
      summary: 'List role assignments: at the subscription (or --scope / -g), of everything below it with --all.',
      flags: [
        ASSIGNEE,
        ROLE,
        SCOPE,
        GROUP,
        { name: 'all', kind: 'switch', help: 'Show all assignments under the scope, not only those at it.' },
        { name: 'include-inherited', kind: 'switch', help: 'Include assignments at scopes above.' },
      ],
      examples: [
        {
          title: "A principal's assignments everywhere.",
          command: 'kiln role assignment list --assignee 00000000-0000-0000-0000-000000000000 --all -o table',
        },
        {
          title: 'Who holds a role on a resource group.',
          command:
            'kiln role assignment list -g images --include-inherited --query "[].{principal:principalId, role:roleDefinitionName}"',
        },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        return named(
          session,
          await findAssignments(ctx, session, {
            all: ctx.args.bool('all') === true,
            inherited: ctx.args.bool('include-inherited') === true,
          }),
        );
      },
    },
    {
      name: 'delete',
      summary: 'Delete role assignments: by --ids, or those at the scope matching --assignee and --role.',
      flags: [
        ASSIGNEE,
        ROLE,
        SCOPE,
        GROUP,
        { name: 'ids', kind: 'list', help: 'Space-separated role assignment ids.' },
      ],
      examples: [
        {
          title: 'Take a role back.',
          command:
            'kiln role assignment delete --assignee 00000000-0000-0000-0000-000000000000 --role Contributor --scope /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/images',
        },
        {
          title: 'By id.',
          command:
            'kiln role assignment delete --ids /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555',
        },
      ],
      async run(ctx) {
        const session = await ctx.session();
        const given = ctx.args.list('ids');
        if (!given && !['assignee', 'role', 'scope', 'resource-group'].some((f) => ctx.args.string(f) !== undefined)) {
          throw new UsageError('give --ids, or at least one of --assignee, --role, --scope, --resource-group');
        }
        const ids = given ?? (await findAssignments(ctx, session, { all: false, inherited: false })).map((a) => a.id);
        if (ids.length === 0) ctx.progress.line('WARNING: No matched assignments were found to delete');
        for (const id of ids) await session.client.send('DELETE', id, { apiVersion: API });
        return undefined;
      },
    },
  ],
};
