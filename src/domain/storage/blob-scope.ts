/**
 * Where Kiln's blobs sit in Azure RBAC. Kiln has no storage account resources, so each region's
 * blob store stands for one: `/subscriptions/{first subscription}/resourceGroups/kiln-storage/
 * providers/Microsoft.Storage/storageAccounts/{region}`, and the first segment of a blob's key is its
 * container (`.../blobServices/default/containers/{container}`), as in a blob URL. Role assignments at
 * the subscription, at that account or at the container then reach the blob as they would in Azure.
 */
import type { SettingsContext } from '../context.ts';

export const STORAGE_RESOURCE_GROUP = 'kiln-storage';

const CONTAINERS = 'Microsoft.Storage/storageAccounts/blobServices/containers';

/** The data actions of the blob operations Kiln serves, as the Storage Blob Data roles grant them. */
export const BLOB_DATA_ACTIONS = {
  read: `${CONTAINERS}/blobs/read`,
  write: `${CONTAINERS}/blobs/write`,
  delete: `${CONTAINERS}/blobs/delete`,
} as const;

/** Management actions on a container: reading and setting its public access level (Get and Set Container ACL). */
export const CONTAINER_ACTIONS = {
  read: `${CONTAINERS}/read`,
  write: `${CONTAINERS}/write`,
} as const;

/** Get User Delegation Key, at the account or above (the Storage Blob Data roles and Storage Blob Delegator hold it). */
export const USER_DELEGATION_KEY_ACTION =
  'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action';

export type StoragePermission = { dataAction: string } | { action: string };

export function storageAccountScope(ctx: SettingsContext, region: string): string {
  return `/subscriptions/${ctx.settings.subscriptions[0].id}/resourceGroups/${STORAGE_RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/${region.toLowerCase()}`;
}

export function containerScope(ctx: SettingsContext, region: string, container: string): string {
  return `${storageAccountScope(ctx, region)}/blobServices/default/containers/${container}`;
}
