/**
 * The built-in roles Kiln serves: Azure's general roles and the narrower ones image work uses, with
 * Azure's ids (the same in every tenant, so scripts that name them by id keep working), names,
 * descriptions and permissions as Azure publishes them. Actions of services Kiln does not run
 * (Insights, Support, deployments) are kept, so the roles read as they do in Azure.
 */
import type { Permission } from './permissions.ts';

export interface RoleDefinitionData {
  /** The role's GUID: the last segment of its id. */
  name: string;
  roleName: string;
  type: 'BuiltInRole' | 'CustomRole';
  description: string;
  /** Lower-cased scopes for custom roles; `/` for built-ins. */
  assignableScopes: string[];
  permissions: Permission[];
  createdOn?: string;
  updatedOn?: string;
  createdBy?: string | null;
  updatedBy?: string | null;
}

const role = (
  name: string,
  roleName: string,
  description: string,
  actions: string[],
  more: Partial<Permission> = {},
): RoleDefinitionData => ({
  name,
  roleName,
  type: 'BuiltInRole',
  description,
  assignableScopes: ['/'],
  permissions: [{ actions, notActions: [], dataActions: [], notDataActions: [], ...more }],
});

export const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
export const STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
export const CONTRIBUTOR_ROLE_ID = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
export const READER_ROLE_ID = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

export const BUILT_IN_ROLES: readonly RoleDefinitionData[] = [
  role(
    OWNER_ROLE_ID,
    'Owner',
    'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    ['*'],
  ),
  role(
    CONTRIBUTOR_ROLE_ID,
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    ['*'],
    {
      notActions: [
        'Microsoft.Authorization/*/Delete',
        'Microsoft.Authorization/*/Write',
        'Microsoft.Authorization/elevateAccess/Action',
        'Microsoft.Blueprint/blueprintAssignments/write',
        'Microsoft.Blueprint/blueprintAssignments/delete',
        'Microsoft.Compute/galleries/share/action',
        'Microsoft.Purview/consents/write',
        'Microsoft.Purview/consents/delete',
      ],
    },
  ),
  role(READER_ROLE_ID, 'Reader', 'View all resources, but does not allow you to make any changes.', ['*/read']),
  role(
    '4a9ae827-6dc8-4573-8ac7-8239d42aa03f',
    'Tag Contributor',
    'Lets you manage tags on entities, without providing access to the entities themselves.',
    [
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Resources/subscriptions/resourceGroups/resources/read',
      'Microsoft.Resources/subscriptions/resources/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Support/*',
      'Microsoft.Resources/tags/*',
    ],
  ),
  role(
    '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    'User Access Administrator',
    'Lets you manage user access to Azure resources.',
    ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
  ),
  role(
    '1ef6a3be-d0ac-425d-8c01-acb62866290b',
    'Compute Gallery Sharing Admin',
    'This role allows user to share gallery to another subscription/tenant or share it to the public.',
    ['Microsoft.Compute/galleries/share/action'],
  ),
  role(
    '85a2d0d9-2eba-4c9c-b355-11c2cc0788ab',
    'Compute Gallery Artifacts Publisher',
    'This is the role for publishing gallery artifacts.',
    [
      'Microsoft.Compute/galleries/*',
      'Microsoft.Compute/locations/capsOperations/read',
      'Microsoft.Compute/locations/communityGalleries/*',
      'Microsoft.Compute/locations/sharedGalleries/*',
      'Microsoft.Compute/images/*',
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.Compute/disks/write',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ],
    { notActions: ['Microsoft.Compute/galleries/share/action'] },
  ),
  role(
    '959f8984-c045-4866-89c7-12bf9737be2e',
    'Data Operator for Managed Disks',
    'Provides permissions to upload data to empty managed disks, read, or export data of managed disks (not attached to running VMs) and snapshots using SAS URIs and Azure AD authentication.',
    [],
    {
      dataActions: [
        'Microsoft.Compute/disks/download/action',
        'Microsoft.Compute/disks/upload/action',
        'Microsoft.Compute/snapshots/download/action',
        'Microsoft.Compute/snapshots/upload/action',
      ],
    },
  ),
  role('f1a07417-d97a-45cb-824c-7a7467783830', 'Managed Identity Operator', 'Read and Assign User Assigned Identity', [
    'Microsoft.ManagedIdentity/userAssignedIdentities/*/read',
    'Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
    'Microsoft.Authorization/*/read',
    'Microsoft.Insights/alertRules/*',
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    'Microsoft.Resources/deployments/*',
    'Microsoft.Support/*',
  ]),
  role(
    '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
    'Storage Blob Data Reader',
    'Allows for read access to Azure Storage blob containers and data',
    [
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    { dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'] },
  ),
  role(
    STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
    'Storage Blob Data Contributor',
    'Allows for read, write and delete access to Azure Storage blob containers and data',
    [
      'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/write',
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    {
      dataActions: [
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
      ],
    },
  ),
];

export const findBuiltInRole = (name: string) => BUILT_IN_ROLES.find((r) => r.name === name.toLowerCase());
