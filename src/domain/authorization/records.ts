/**
 * How role definitions and role assignments are kept in the metadata store. Custom role definitions
 * are tenant-wide, keyed by their GUID. An assignment is keyed by its id (scope + GUID), placed in
 * its scope's subscription and resource group (so deleting the group deletes it, as ARM does), and
 * carries its principal as `parent`: the store's parent index then loads one caller's assignments
 * without scanning anyone else's.
 */
import type { RoleDefinitionData } from './built-in-roles.ts';
import type { Scope } from './scope.ts';

export const ROLE_DEFINITION_KIND = 'microsoft.authorization/roledefinitions';
export const ROLE_ASSIGNMENT_KIND = 'microsoft.authorization/roleassignments';

export interface RoleAssignmentData {
  /** The assignment's GUID. */
  name: string;
  /** The scope as the client spelled it. */
  scope: string;
  /** GUID of the role definition. */
  roleDefinitionName: string;
  principalId: string;
  principalType: string;
  description: string | null;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

export const roleDefinitionKey = (name: string) =>
  `/providers/microsoft.authorization/roledefinitions/${name.toLowerCase()}`;

export const roleAssignmentKey = (scope: Scope, name: string) =>
  `${scope.key === '/' ? '' : scope.key}/providers/microsoft.authorization/roleassignments/${name.toLowerCase()}`;

export const principalKey = (principalId: string) => `/principals/${principalId.toLowerCase()}`;

export function roleAssignmentRecord(scope: Scope, data: RoleAssignmentData) {
  return {
    key: roleAssignmentKey(scope, data.name),
    kind: ROLE_ASSIGNMENT_KIND,
    subscription: scope.subscription?.toLowerCase() ?? '',
    resourceGroup: scope.resourceGroup?.toLowerCase() ?? null,
    parent: principalKey(data.principalId),
    data,
  };
}

export function roleDefinitionRecord(data: RoleDefinitionData) {
  return {
    key: roleDefinitionKey(data.name),
    kind: ROLE_DEFINITION_KIND,
    subscription: '',
    resourceGroup: null,
    parent: null,
    data,
  };
}
