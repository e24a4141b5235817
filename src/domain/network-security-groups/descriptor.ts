/** Microsoft.Network/networkSecurityGroups. */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import { inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const NETWORK_SECURITY_GROUP_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Network/networkSecurityGroups'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.resourceGuid',
    'properties.defaultSecurityRules',
    'properties.securityRules[].id',
    'properties.securityRules[].etag',
    'properties.securityRules[].type',
    'properties.securityRules[].properties.provisioningState',
    'properties.subnets',
    'properties.networkInterfaces',
  ],
  apiVersions: NETWORK_API_VERSIONS,
  references: [],
};
