/** Microsoft.Network/publicIPAddresses. */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import { inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const PUBLIC_IP_ADDRESS_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Network/publicIPAddresses'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.resourceGuid',
    'properties.ipAddress',
    'properties.ipConfiguration',
  ],
  apiVersions: NETWORK_API_VERSIONS,
  references: [],
};
