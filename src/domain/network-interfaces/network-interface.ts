/**
 * Microsoft.Network/networkInterfaces. Each IP configuration holds a private address of its subnet,
 * leased in the subnet's network (virtual-networks/virtual-network.ts), and may name a public IP
 * address, which then names it back; the security group it names lists it. `virtualMachine` is set by
 * the VM the interface is attached to (virtual-machines/operations.ts), and kept by a PUT of the interface.
 */
import { weakEtag, type NetworkResourceType } from '../network/network-resource.ts';
import type { SubResource } from '../network/references.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';

export const PRIVATE_ALLOCATION_METHODS = ['Static', 'Dynamic'] as const;

export interface NicIPConfiguration {
  id: string;
  name: string;
  etag?: string;
  type: 'Microsoft.Network/networkInterfaces/ipConfigurations';
  properties: {
    provisioningState: 'Succeeded';
    privateIPAddress: string;
    privateIPAllocationMethod: (typeof PRIVATE_ALLOCATION_METHODS)[number];
    privateIPAddressVersion: 'IPv4';
    subnet: SubResource;
    primary: boolean;
    publicIPAddress?: SubResource;
  };
}

export interface NetworkInterface extends ArmResource {
  location: string;
  properties: {
    provisioningState: 'Succeeded';
    resourceGuid: string;
    ipConfigurations: NicIPConfiguration[];
    networkSecurityGroup?: SubResource;
    dnsSettings: { dnsServers: string[]; appliedDnsServers: string[]; internalDnsNameLabel?: string };
    enableAcceleratedNetworking: boolean;
    enableIPForwarding: boolean;
    disableTcpStateTracking: boolean;
    hostedWorkloads: [];
    tapConfigurations: [];
    nicType: 'Standard';
    vnetEncryptionSupported: boolean;
    virtualMachine?: SubResource;
  };
}

export type NetworkInterfaceData = ResourceData<NetworkInterface, Record<string, never>>;

export const ipConfigurationId = (nicId: string, name: string) => `${nicId}/ipConfigurations/${name}`;

export function presentNetworkInterface(data: NetworkInterfaceData, etag: string): NetworkInterface {
  const nic = data.resource;
  return {
    ...nic,
    etag: weakEtag(etag),
    properties: {
      ...nic.properties,
      ipConfigurations: nic.properties.ipConfigurations.map((config) => ({
        name: config.name,
        id: config.id,
        etag: weakEtag(etag),
        type: config.type,
        properties: config.properties,
      })),
    },
  };
}

export const NETWORK_INTERFACES: NetworkResourceType<NetworkInterfaceData, NetworkInterface> = {
  collection: 'networkInterfaces',
  present: presentNetworkInterface,
};
