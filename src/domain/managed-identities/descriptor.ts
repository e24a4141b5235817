/** Microsoft.ManagedIdentity/userAssignedIdentities. */
import { apiVersions, inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const USER_ASSIGNED_IDENTITY_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.ManagedIdentity/userAssignedIdentities'),
  tracking: 'tracked',
  readOnly: ['properties.tenantId', 'properties.principalId', 'properties.clientId'],
  // msi ManagedIdentity.json folders (Microsoft.ManagedIdentity/ManagedIdentity/{stable,preview}/<version>: the
  // readme.md tags and stable/2026-04-30, which has no tag there); azure-cli 2.45 sends 2022-01-31-preview.
  apiVersions: apiVersions([
    '2015-08-31-preview',
    '2018-11-30',
    '2021-09-30-preview',
    '2022-01-31-preview',
    '2023-01-31',
    '2023-07-31-preview',
    '2024-11-30',
    '2025-01-31-preview',
    '2025-05-31-preview',
    '2026-04-30',
    '2026-05-31',
  ]),
  references: [],
};
