import { Problems, badRequest } from '../../core/arm-error.ts';
import { resourceGroupId } from '../../core/resource-id.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';
import { STORAGE_RESOURCE_GROUP } from '../storage/blob-scope.ts';

export const RESOURCE_GROUP_KIND = 'microsoft.resources/resourcegroups';

export interface ResourceGroup extends ArmResource {
  location: string;
  managedBy?: string;
  properties: { provisioningState: 'Succeeded' | 'Deleting' };
}

export type ResourceGroupRecord = ResourceRecord<ResourceGroup, Record<string, never>>;

/** ARM's rule: 1-90 of letters, digits, `_`, `(`, `)`, `-`, `.` (Unicode letters too), not ending in `.`. */
export function checkResourceGroupName(name: string): void {
  if (name.length < 1 || name.length > 90 || !/^[\p{L}\p{N}_().-]+$/u.test(name) || name.endsWith('.')) {
    throw badRequest(
      'InvalidResourceGroupName',
      `Resource group name '${name}' is invalid: it must be 1-90 characters of letters, digits, underscores, parentheses, hyphens and periods, and must not end in a period.`,
      'resourceGroupName',
    );
  }
}

export function newResourceGroup(
  subscription: string,
  name: string,
  location: string,
  tags?: Record<string, string>,
  managedBy?: string,
): ResourceGroup {
  const group: ResourceGroup = {
    id: resourceGroupId(subscription, name),
    name,
    type: 'Microsoft.Resources/resourceGroups',
    location,
    properties: { provisioningState: 'Succeeded' },
  };
  if (tags) group.tags = tags;
  if (managedBy) group.managedBy = managedBy;
  return group;
}

export function checkManagedBy(managedBy: unknown, problems: Problems): string | undefined {
  if (managedBy === undefined || managedBy === null) return undefined;
  if (typeof managedBy !== 'string') problems.add('managedBy', "The 'managedBy' property must be a string.");
  return typeof managedBy === 'string' ? managedBy : undefined;
}

/**
 * The group Kiln's region storage accounts hang under in RBAC (storage/blob-scope.ts) is Kiln's: the
 * role assignments that grant blob access sit under it, and deleting a group deletes the assignments
 * in it. So no request creates, changes or deletes a group of that name, in any subscription (which
 * one holds the accounts follows config.json's order). A group of that name made before it was
 * reserved stays, and its assignments with it.
 */
export function refuseReservedGroup(name: string, verb: 'created' | 'updated' | 'deleted'): void {
  if (name.toLowerCase() !== STORAGE_RESOURCE_GROUP) return;
  throw badRequest(
    'ReservedResourceName',
    `The resource group name '${name}' is reserved for Kiln and cannot be ${verb}: role assignments that grant access to Kiln's blobs are made under it (.../resourceGroups/${STORAGE_RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/{region}). Use another name.`,
    'resourceGroupName',
  );
}
