/** Microsoft.Network/networkInterfaces. */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import { inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';
import { NSG_JOIN } from '../virtual-networks/descriptor.ts';

/** Using a subnet, a public IP address or a security group takes its join action, as in Azure. */
export const NETWORK_INTERFACE_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Network/networkInterfaces'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.resourceGuid',
    'properties.ipConfigurations[].id',
    'properties.ipConfigurations[].etag',
    'properties.ipConfigurations[].type',
    'properties.ipConfigurations[].properties.provisioningState',
    'properties.dnsSettings.appliedDnsServers',
    'properties.macAddress',
    'properties.virtualMachine',
    'properties.hostedWorkloads',
    'properties.tapConfigurations',
    'properties.vnetEncryptionSupported',
  ],
  apiVersions: NETWORK_API_VERSIONS,
  references: [
    {
      field: 'properties.ipConfigurations[].properties.subnet.id',
      needs: 'Microsoft.Network/virtualNetworks/subnets/join/action',
    },
    {
      field: 'properties.ipConfigurations[].properties.publicIPAddress.id',
      needs: 'Microsoft.Network/publicIPAddresses/join/action',
    },
    { field: 'properties.networkSecurityGroup.id', needs: NSG_JOIN },
  ],
};
