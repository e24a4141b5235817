/** Microsoft.Resources/resources: every tracked resource of a subscription or of a group, whatever its type. */
import { RESOURCE_GROUP_TYPE } from '../resource-groups/descriptor.ts';
import type { ResourceTypeDescriptor } from '../shared/resource-type.ts';

export const GENERIC_RESOURCE_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Resources/resources',
  tracking: 'none',
  // Resources - List and List By Resource Group are in resources.json with resource groups.
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions,
  collections: [
    '/subscriptions/{subscription}/resources',
    '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/resources',
  ],
  references: [],
};
