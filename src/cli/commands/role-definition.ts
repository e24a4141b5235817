/**
 * `kiln role definition`: the built-in and custom roles, as `az role definition`. A definition is
 * shown as az shows it: properties lifted, the role's own type as `roleType`.
 */
import { isGuid, newGuid } from '../../core/ids.ts';
import { UsageError } from '../arm/args.ts';
import type { GroupSpec } from '../arm/command.ts';
import { readJsonObject } from '../arm/json-argument.ts';
import { API, AUTHORIZATION, listDefinitions, SCOPE, scopeOf, type RoleDefinition } from './role-scope.ts';

function definitionView(definition: RoleDefinition) {
  const { properties, ...rest } = definition;
  const { type: roleType, ...own } = properties;
  return { ...rest, ...own, roleType };
}

const table = (item: Record<string, unknown>) => ({
  Name: item.roleName,
  Type: item.roleType,
  Description: item.description,
});

/** `--role-definition` as az takes it: inline JSON or a file; PowerShell's capitalized keys too (Name, Actions, AssignableScopes). */
async function readRoleDefinition(value: string): Promise<Record<string, unknown>> {
  const given = await readJsonObject('role-definition', value, { inline: true, what: 'a role definition' });
  return Object.fromEntries(Object.entries(given).map(([key, item]) => [key[0].toLowerCase() + key.slice(1), item]));
}

export const roleDefinition: GroupSpec = {
  name: 'definition',
  summary: 'Manage role definitions.',
  commands: [
    {
      name: 'list',
      summary: 'List role definitions: the built-in ones and the custom ones usable at the scope.',
      flags: [
        { name: 'name', short: 'n', help: 'A role name (e.g. Reader) or its id.' },
        { name: 'custom-role-only', kind: 'bool', help: 'Custom roles only.' },
        SCOPE,
      ],
      examples: [
        { title: 'All roles as a table.', command: 'kiln role definition list -o table' },
        {
          title: 'The actions of Contributor.',
          command: 'kiln role definition list --name Contributor --query "[].permissions[].actions"',
        },
        { title: 'The custom roles.', command: 'kiln role definition list --custom-role-only' },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        const scope = scopeOf(session, ctx.args);
        const name = ctx.args.string('name');
        const clauses = [
          ...(name !== undefined && !isGuid(name) ? [`roleName eq '${name.replace(/'/g, "''")}'`] : []),
          ...(ctx.args.bool('custom-role-only') ? ["type eq 'CustomRole'"] : []),
        ];
        const found = await listDefinitions(session, scope, clauses.join(' and ') || undefined);
        return found
          .filter((d) => name === undefined || !isGuid(name) || d.name.toLowerCase() === name.toLowerCase())
          .map(definitionView);
      },
    },
    {
      name: 'create',
      summary: 'Create a custom role.',
      flags: [
        {
          name: 'role-definition',
          required: true,
          help: 'JSON (inline or a file): Name, Description, Actions, NotActions, DataActions, NotDataActions, AssignableScopes.',
        },
      ],
      examples: [
        {
          title: 'A role that publishes gallery image versions.',
          command: `kiln role definition create --role-definition '{"Name": "Gallery Publisher", "Actions": ["Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/images/versions/*"], "AssignableScopes": ["/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"]}'`,
        },
        { title: 'From a file.', command: 'kiln role definition create --role-definition publisher.json' },
      ],
      async run(ctx) {
        const session = await ctx.session();
        const given = await readRoleDefinition(ctx.args.required('role-definition'));
        const roleName = given.name ?? given.roleName;
        if (typeof roleName !== 'string' || roleName === '')
          throw new UsageError("argument --role-definition: please provide the role's name (Name)");
        const scopes = given.assignableScopes;
        if (!Array.isArray(scopes) || typeof scopes[0] !== 'string')
          throw new UsageError('argument --role-definition: please provide AssignableScopes');
        const permissions = [
          {
            actions: given.actions ?? [],
            notActions: given.notActions ?? [],
            dataActions: given.dataActions ?? [],
            notDataActions: given.notDataActions ?? [],
          },
        ];
        const body = {
          properties: {
            roleName,
            description: given.description,
            type: 'CustomRole',
            assignableScopes: scopes,
            permissions,
          },
        };
        const path = `/${scopes[0].replace(/^\/+/, '')}/${AUTHORIZATION}/roleDefinitions/${newGuid()}`;
        return definitionView(
          (await session.client.send('PUT', path, { apiVersion: API, body })).body as RoleDefinition,
        );
      },
    },
  ],
};
