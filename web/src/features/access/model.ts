/**
 * What the access pages read from Microsoft.Authorization, and how a scope is named and placed: the
 * portal path of a scope's access page, and where an assignment sits relative to the page's scope
 * (at it, inherited from above, or below it).
 */
import { parseId } from '../../arm/ids.ts';

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  id: string;
  name: string;
  properties: {
    roleName: string;
    type: string;
    description: string;
    permissions: Permission[];
    assignableScopes: string[];
  };
}

export interface RoleAssignment {
  id: string;
  name: string;
  properties: {
    roleDefinitionId: string;
    principalId: string;
    principalType: string;
    scope: string;
    description: string | null;
  };
}

export const ASSIGNMENT_WRITE = 'Microsoft.Authorization/roleAssignments/write';
export const ASSIGNMENT_DELETE = 'Microsoft.Authorization/roleAssignments/delete';

/** Whether `path` names a scope: a subscription, or a resource group or resource in one (`/{type}/{name}` pairs below it). */
export const isScope = (path: string) => /^\/subscriptions\/[^/]+(\/[^/]+\/[^/]+)*$/i.test(path);

/** The portal path of a scope's access control page. */
export const accessPath = (scope: string) => `/access${scope}`;

/** A scope's name: its last segment, or a subscription's display name when `names` (by lower-cased id) has it. */
export function scopeName(scope: string, names: ReadonlyMap<string, string> = new Map()): string {
  const { type, name } = parseId(scope);
  return (type === 'Microsoft.Resources/subscriptions' && names.get(name.toLowerCase())) || name;
}

/** `/subscriptions/s/resourceGroups/g` as its name and kind: `g (resource group)`. */
export function scopeLabel(scope: string, names?: ReadonlyMap<string, string>): string {
  const { type } = parseId(scope);
  const kind =
    type === 'Microsoft.Resources/subscriptions'
      ? 'subscription'
      : type === 'Microsoft.Resources/resourceGroups'
        ? 'resource group'
        : type;
  return `${scopeName(scope, names)} (${kind})`;
}

/** The RBAC type of the resource a scope names, as its actions spell it (groups sit under subscriptions). */
export function actionTypeOf(scope: string): string {
  const { type } = parseId(scope);
  return type === 'Microsoft.Resources/resourceGroups' ? 'Microsoft.Resources/subscriptions/resourceGroups' : type;
}

export type Placement = 'here' | 'inherited' | 'below';

/** Where an assignment at `at` sits from the page's `scope` (compared as ARM compares ids, ignoring case). */
export function placementOf(at: string, scope: string): Placement {
  const [a, s] = [at.toLowerCase().replace(/\/+$/, ''), scope.toLowerCase().replace(/\/+$/, '')];
  if (a === s) return 'here';
  return s.startsWith(`${a}/`) || a === '' ? 'inherited' : 'below';
}

/** The GUID a role definition id ends with, lower-cased, to find the role an assignment names. */
export const roleKey = (roleDefinitionId: string) => roleDefinitionId.split('/').pop()!.toLowerCase();
