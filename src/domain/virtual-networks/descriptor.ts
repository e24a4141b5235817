/** Microsoft.Network/virtualNetworks. */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import { inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/** Associating a security group with a subnet takes its join action, as in Azure. */
export const NSG_JOIN = 'Microsoft.Network/networkSecurityGroups/join/action';

export const VIRTUAL_NETWORK_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Network/virtualNetworks'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.resourceGuid',
    'properties.subnets[].id',
    'properties.subnets[].etag',
    'properties.subnets[].type',
    'properties.subnets[].properties.provisioningState',
    'properties.subnets[].properties.ipConfigurations',
  ],
  apiVersions: NETWORK_API_VERSIONS,
  references: [{ field: 'properties.subnets[].properties.networkSecurityGroup.id', needs: NSG_JOIN }],
};
