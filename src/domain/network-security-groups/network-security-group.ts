/**
 * Microsoft.Network/networkSecurityGroups and their rules, kept as one record as NRP keeps them: a
 * rule is served on its own (`.../securityRules/{name}`) and inline in its group, from the same data.
 * Every group has Azure's six default rules (priorities 65000 and up), served as
 * `defaultSecurityRules`; the subnets and network interfaces that use the group are listed in it.
 */
import type { ResourceId } from '../../core/resource-id.ts';
import { networkResourceId, weakEtag, type NetworkResourceType } from '../network/network-resource.ts';
import type { SubResource } from '../network/references.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';

export const PROTOCOLS = ['Tcp', 'Udp', 'Icmp', 'Esp', '*', 'Ah'] as const;
export const ACCESSES = ['Allow', 'Deny'] as const;
export const DIRECTIONS = ['Inbound', 'Outbound'] as const;

export interface SecurityRuleProperties {
  provisioningState: 'Succeeded';
  description?: string;
  protocol: (typeof PROTOCOLS)[number];
  sourcePortRange?: string;
  destinationPortRange?: string;
  sourceAddressPrefix?: string;
  destinationAddressPrefix?: string;
  sourcePortRanges: string[];
  destinationPortRanges: string[];
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  access: (typeof ACCESSES)[number];
  priority: number;
  direction: (typeof DIRECTIONS)[number];
}

export interface SecurityRule {
  id: string;
  name: string;
  etag?: string;
  type:
    | 'Microsoft.Network/networkSecurityGroups/securityRules'
    | 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules';
  properties: SecurityRuleProperties;
}

export interface NetworkSecurityGroup extends ArmResource {
  location: string;
  properties: {
    provisioningState: 'Succeeded';
    resourceGuid: string;
    flushConnection: boolean;
    securityRules: SecurityRule[];
    defaultSecurityRules: SecurityRule[];
    networkInterfaces?: SubResource[];
    subnets?: SubResource[];
  };
}

export type NetworkSecurityGroupData = ResourceData<NetworkSecurityGroup, Record<string, never>>;

export const networkSecurityGroupId = (ref: ResourceRef): ResourceId => networkResourceId('networkSecurityGroups', ref);

export const securityRuleId = (nsgId: string, name: string) => `${nsgId}/securityRules/${name}`;

export const findRule = (rules: SecurityRule[], name: string) =>
  rules.find((rule) => rule.name.toLowerCase() === name.toLowerCase());

/** Azure's default rules, in Azure's order: name, description, source, destination, access, priority, direction. */
const DEFAULT_RULES: Array<[string, string, string, string, SecurityRuleProperties['access'], number, string]> = [
  [
    'AllowVnetInBound',
    'Allow inbound traffic from all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Inbound',
  ],
  [
    'AllowAzureLoadBalancerInBound',
    'Allow inbound traffic from azure load balancer',
    'AzureLoadBalancer',
    '*',
    'Allow',
    65001,
    'Inbound',
  ],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Outbound',
  ],
  [
    'AllowInternetOutBound',
    'Allow outbound traffic from all VMs to Internet',
    '*',
    'Internet',
    'Allow',
    65001,
    'Outbound',
  ],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
];

export function defaultSecurityRules(nsgId: string): SecurityRule[] {
  return DEFAULT_RULES.map(([name, description, source, destination, access, priority, direction]) => ({
    id: `${nsgId}/defaultSecurityRules/${name}`,
    name,
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
      access,
      priority,
      direction: direction as SecurityRuleProperties['direction'],
    },
  }));
}

/** A rule as GET serves it: its group's etag. */
export const presentRule = (rule: SecurityRule, etag: string): SecurityRule => ({
  name: rule.name,
  id: rule.id,
  etag: weakEtag(etag),
  type: rule.type,
  properties: rule.properties,
});

export function presentNetworkSecurityGroup(data: NetworkSecurityGroupData, etag: string): NetworkSecurityGroup {
  const nsg = data.resource;
  return {
    ...nsg,
    etag: weakEtag(etag),
    properties: {
      ...nsg.properties,
      securityRules: nsg.properties.securityRules.map((rule) => presentRule(rule, etag)),
      defaultSecurityRules: nsg.properties.defaultSecurityRules.map((rule) => presentRule(rule, etag)),
    },
  };
}

export const NETWORK_SECURITY_GROUPS: NetworkResourceType<NetworkSecurityGroupData, NetworkSecurityGroup> = {
  collection: 'networkSecurityGroups',
  present: presentNetworkSecurityGroup,
};
