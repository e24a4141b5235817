/**
 * Microsoft.ManagedIdentity/userAssignedIdentities: a principal that lives as a resource. Its
 * `principalId` is the object id role assignments name, its `clientId` the appId its tokens carry;
 * the principal itself is a service principal without a secret (service-principals.ts).
 */
import { ArmError } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';

export const USER_ASSIGNED_IDENTITY_KIND = 'microsoft.managedidentity/userassignedidentities';

export interface UserAssignedIdentity extends ArmResource {
  location: string;
  /** `isolationScope` only when a request gave it (2024-11-30 and later): None, as Kiln has no Regional isolation. Answers show it by api-version (identity-view.ts). */
  properties: {
    tenantId: string;
    principalId: string;
    clientId: string;
    isolationScope?: 'None';
    /**
     * The resource providers and types the identity may be assigned to (2025-05-31-preview and
     * 2026-05-31 on), as a request gave them; assignment-restrictions.ts holds assignments to them.
     */
    assignmentRestrictions?: AssignmentRestrictions;
  };
}

/** `providers`: namespaces (`Microsoft.Compute`) or types (`Microsoft.Compute/virtualMachines`), matched without case. */
export interface AssignmentRestrictions {
  providers?: string[];
}

export type UserAssignedIdentityRecord = ResourceRecord<UserAssignedIdentity, Record<string, never>>;

export const identityId = (subscription: string, resourceGroup: string, name: string): ResourceId => ({
  subscription,
  resourceGroup,
  namespace: 'Microsoft.ManagedIdentity',
  types: [['userAssignedIdentities', name]],
});

/** Azure's rule: 3 to 128 letters, digits, hyphens and underscores, starting with a letter or digit. */
export function checkIdentityName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/.test(name)) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `The resource name '${name}' is invalid. It must be 3 to 128 characters of letters, numbers, hyphens and underscores, and start with a letter or number.`,
      'resourceName',
    );
  }
}
