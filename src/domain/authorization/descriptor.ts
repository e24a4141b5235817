/**
 * Microsoft.Authorization/roleAssignments and /roleDefinitions, which live at any scope (`{scope}`: a
 * subscription, a resource group or a resource), and the caller's own `permissions` at a scope.
 */
import { apiVersions, type ResourceTypeDescriptor, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const ROLE_ASSIGNMENT_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Authorization/roleAssignments',
  tracking: 'proxy',
  // authorization-RoleAssignmentsCalls.json folders (Microsoft.Authorization/{stable,preview}/*); azure-cli 2.45 sends 2022-04-01.
  apiVersions: apiVersions([
    '2015-07-01',
    '2017-10-01-preview',
    '2018-01-01-preview',
    '2018-09-01-preview',
    '2020-03-01-preview',
    '2020-04-01-preview',
    '2020-08-01-preview',
    '2020-10-01-preview',
    '2022-04-01',
  ]),
  path: '{scope}/providers/Microsoft.Authorization/roleAssignments/{name}',
  collections: ['{scope}/providers/Microsoft.Authorization/roleAssignments'],
  // Its role definition is readable by every signed-in caller (http/arm/route-action.ts) and its
  // principal is a directory object, not an ARM resource: neither takes access of its own.
  references: [],
};

export const ROLE_DEFINITION_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Authorization/roleDefinitions',
  tracking: 'none',
  // authorization-RoleDefinitionsCalls.json folders; azure-cli 2.45 sends 2022-04-01.
  apiVersions: apiVersions(['2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview']),
  path: '{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}',
  collections: ['{scope}/providers/Microsoft.Authorization/roleDefinitions'],
  // Changing a custom role takes write at every scope it will be assignable at and every one it is
  // now, which only the operation reads (role-definitions.ts).
  references: [
    {
      field: 'properties.assignableScopes[]',
      needs: 'Microsoft.Authorization/roleDefinitions/write',
      checkedBy: 'operation',
    },
  ],
};

export const PERMISSIONS_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Authorization/permissions',
  tracking: 'none',
  // Permissions_ListForResourceGroup and _ListForResource are in authorization-RoleDefinitionsCalls.json;
  // an AuthorizationManagementClient sends its one api-version to all its operations, so every version
  // of the two types above is taken (Kiln's portal sends 2022-04-01).
  apiVersions: apiVersions(ROLE_ASSIGNMENT_TYPE.apiVersions, ROLE_DEFINITION_TYPE.apiVersions),
  // Only listed: a subscription, a resource group or a resource (the portal also asks at a subscription).
  collections: ['{scope}/providers/Microsoft.Authorization/permissions'],
  // A GET with no body.
  references: [],
};
