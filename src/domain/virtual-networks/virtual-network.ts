/**
 * Microsoft.Network/virtualNetworks and their subnets, kept as one record as NRP keeps them: a subnet
 * is served on its own (`.../subnets/{name}`) and inline in its network, from the same data.
 *
 * Invariants: the record's `resource` is the network as GET shows it, but for etags (added when
 * served, every subnet carrying its network's) and the subnets' `ipConfigurations`, which are served
 * from `internal.leases`: the private addresses handed out in each subnet, each with the network
 * interface IP configuration holding it. A lease is written in the batch that makes or changes that
 * IP configuration, so an address is never handed out twice in a subnet.
 */
import { blockOf, parseCidr, type Ipv4Block } from '../../core/ipv4.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import { networkResourceId, weakEtag, type NetworkResourceType } from '../network/network-resource.ts';
import type { SubResource } from '../network/references.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';

export const PRIVATE_ENDPOINT_NETWORK_POLICIES = [
  'Disabled',
  'Enabled',
  'NetworkSecurityGroupEnabled',
  'RouteTableEnabled',
] as const;
export const PRIVATE_LINK_SERVICE_NETWORK_POLICIES = ['Disabled', 'Enabled'] as const;

export interface SubnetProperties {
  provisioningState: 'Succeeded';
  addressPrefix?: string;
  addressPrefixes?: string[];
  networkSecurityGroup?: SubResource;
  ipConfigurations?: SubResource[];
  delegations: [];
  privateEndpointNetworkPolicies: (typeof PRIVATE_ENDPOINT_NETWORK_POLICIES)[number];
  privateLinkServiceNetworkPolicies: (typeof PRIVATE_LINK_SERVICE_NETWORK_POLICIES)[number];
  defaultOutboundAccess?: boolean;
}

export interface Subnet {
  id: string;
  name: string;
  etag?: string;
  type: 'Microsoft.Network/virtualNetworks/subnets';
  properties: SubnetProperties;
}

export interface VirtualNetwork extends ArmResource {
  location: string;
  properties: {
    provisioningState: 'Succeeded';
    resourceGuid: string;
    addressSpace: { addressPrefixes: string[] };
    dhcpOptions?: { dnsServers: string[] };
    subnets: Subnet[];
    virtualNetworkPeerings: [];
    enableDdosProtection: boolean;
    /** Always false (Kiln has no VM protection); a network stored before it was kept has none. */
    enableVmProtection?: boolean;
    privateEndpointVNetPolicies: 'Disabled' | 'Basic';
  };
}

export interface SubnetLease {
  /** The network interface IP configuration holding the address. */
  ipConfiguration: string;
  address: string;
}

export interface VirtualNetworkInternal {
  /** By subnet name, lower-cased. */
  leases: Record<string, SubnetLease[]>;
}

export type VirtualNetworkData = ResourceData<VirtualNetwork, VirtualNetworkInternal>;

export const virtualNetworkId = (ref: ResourceRef): ResourceId => networkResourceId('virtualNetworks', ref);

export const subnetId = (vnetId: string, name: string) => `${vnetId}/subnets/${name}`;

export const findSubnet = (vnet: VirtualNetwork, name: string) =>
  vnet.properties.subnets.find((s) => s.name.toLowerCase() === name.toLowerCase());

export const leasesOf = (data: VirtualNetworkData, subnet: string) => data.internal.leases[subnet.toLowerCase()] ?? [];

/** The blocks of stored (so valid) prefixes. */
export const blocksOf = (prefixes: string[]): Ipv4Block[] =>
  prefixes.map((prefix) => {
    const { address, prefixLength } = parseCidr(prefix)!;
    return blockOf(address, prefixLength);
  });

/** The blocks a stored subnet spans. */
export const subnetBlocks = (subnet: Subnet): Ipv4Block[] =>
  blocksOf(subnet.properties.addressPrefixes ?? [subnet.properties.addressPrefix!]);

/** A subnet as GET serves it: its network's etag, and the IP configurations holding its addresses. */
export function presentSubnet(data: VirtualNetworkData, subnet: Subnet, etag: string): Subnet {
  const leases = leasesOf(data, subnet.name);
  const properties: SubnetProperties = { ...subnet.properties };
  if (leases.length > 0) properties.ipConfigurations = leases.map((lease) => ({ id: lease.ipConfiguration }));
  return { name: subnet.name, id: subnet.id, etag: weakEtag(etag), type: subnet.type, properties };
}

export function presentVirtualNetwork(data: VirtualNetworkData, etag: string): VirtualNetwork {
  const vnet = data.resource;
  return {
    ...vnet,
    etag: weakEtag(etag),
    properties: { ...vnet.properties, subnets: vnet.properties.subnets.map((s) => presentSubnet(data, s, etag)) },
  };
}

export const VIRTUAL_NETWORKS: NetworkResourceType<VirtualNetworkData, VirtualNetwork> = {
  collection: 'virtualNetworks',
  present: presentVirtualNetwork,
};
