/**
 * What `kiln role` commands share: the scope they work at (--scope, else -g, else the
 * subscription, as az), and a role named as az takes it (a name such as Contributor, a GUID, or a
 * role definition id).
 */
import { isGuid } from '../../core/ids.ts';
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args, Flag } from '../arm/args.ts';
import type { Session } from '../arm/session.ts';

export const API = API_VERSIONS.authorization;
export const AUTHORIZATION = 'providers/Microsoft.Authorization';

export const SCOPE: Flag = {
  name: 'scope',
  help: 'Scope: a subscription, resource group or resource id, e.g. /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup. Default: the subscription.',
};
export const GROUP: Flag = { name: 'resource-group', short: 'g', help: 'Use the resource group as the scope.' };

const enc = encodeURIComponent;

export function scopeOf(session: Session, args: Args): string {
  const scope = args.string('scope');
  if (scope !== undefined) return `/${scope.replace(/^\/+|\/+$/g, '')}`;
  const group = args.string('resource-group');
  return `/subscriptions/${enc(session.subscription)}${group === undefined ? '' : `/resourceGroups/${enc(group)}`}`;
}

export interface RoleDefinition {
  id: string;
  name: string;
  type: string;
  properties: { roleName: string; type: string; [key: string]: unknown };
}

/** The role definitions visible at `scope`, narrowed by an OData filter. */
export const listDefinitions = (session: Session, scope: string, filter?: string) =>
  session.client.list(
    `${scope}/${AUTHORIZATION}/roleDefinitions${filter ? `?$filter=${enc(filter)}` : ''}`,
    API,
  ) as Promise<RoleDefinition[]>;

/** The id of the role `role` names, as `az role assignment create --role` resolves it. */
export async function roleDefinitionIdOf(session: Session, scope: string, role: string): Promise<string> {
  if (role.startsWith('/')) return role;
  if (isGuid(role)) return `/subscriptions/${session.subscription}/${AUTHORIZATION}/roleDefinitions/${role}`;
  const found = await listDefinitions(session, scope, `roleName eq '${role.replace(/'/g, "''")}'`);
  if (found.length === 0) throw new Error(`Role '${role}' doesn't exist.`);
  return found[0].id;
}

/** The GUID at the end of a role definition id. */
export const roleGuid = (id: string) => id.split('/').at(-1)!.toLowerCase();
