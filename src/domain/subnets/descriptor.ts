/** Microsoft.Network/virtualNetworks/subnets: a network's subnets, one at a time. */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import type { ResourceTypeWithPaths } from '../shared/resource-type.ts';
import { NSG_JOIN } from '../virtual-networks/descriptor.ts';

const NETWORK =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/{virtualNetwork}';

export const SUBNET_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Network/virtualNetworks/subnets',
  tracking: 'proxy',
  apiVersions: NETWORK_API_VERSIONS,
  path: `${NETWORK}/subnets/{name}`,
  collections: [`${NETWORK}/subnets`],
  references: [{ field: 'properties.networkSecurityGroup.id', needs: NSG_JOIN }],
};
