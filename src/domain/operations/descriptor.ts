/**
 * The status monitors of long-running operations, polled (http/routes/operations.ts) under
 * `/subscriptions/{subscription}/providers/{namespace}/locations/{location}/operations/{name}` and
 * `.../operationResults/{name}` with the api-version of the call that started them. Neither is a
 * resource a caller makes, so the polling routes are their own.
 */
import { DEPLOYMENT_TYPE } from '../deployments/descriptor.ts';
import { DISK_RP_API_VERSIONS } from '../disks/descriptor.ts';
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import { IMAGE_BUILDER_API_VERSIONS } from '../image-templates/descriptor.ts';
import { COMPUTE_RP_API_VERSIONS } from '../images/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

/** Images, disks and galleries all start Microsoft.Compute operations: the union of their api-versions. */
export const COMPUTE_OPERATION_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/operations',
  tracking: 'none',
  apiVersions: apiVersions(COMPUTE_RP_API_VERSIONS, DISK_RP_API_VERSIONS, GALLERY_RP_API_VERSIONS),
  collections: [],
  references: [],
};

export const IMAGE_BUILDER_OPERATION_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.VirtualMachineImages/locations/operations',
  tracking: 'none',
  apiVersions: IMAGE_BUILDER_API_VERSIONS,
  collections: [],
  references: [],
};

/** Deployments are polled as Microsoft.Resources operations in their group's (or their own) location. */
export const RESOURCES_OPERATION_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Resources/locations/operations',
  apiVersions: DEPLOYMENT_TYPE.apiVersions,
  collections: [],
  tracking: 'none',
  references: [],
};
