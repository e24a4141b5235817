/**
 * A subnet as a request writes it, inline in its network (`properties.subnets[i]`) or on its own
 * (`.../subnets/{name}`), checked field by field, then placed among its network's subnets: inside the
 * network's address space (`NetcfgSubnetRangeOutsideVnet`), clear of every other subnet
 * (`NetcfgSubnetRangesOverlap`), and no smaller than Azure's /29.
 */
import type { Problems } from '../../core/arm-error.ts';
import { blocksOverlap, blockWithin, formatBlock, type Ipv4Block } from '../../core/ipv4.ts';
import { checkAddressPrefix, checkAddressPrefixes } from '../network/address-prefixes.ts';
import { refuseOtherMembers, requiredObjectAt } from '../network/fields.ts';
import { booleanAt, enumValue, subResourceId } from '../shared/validate.ts';
import {
  PRIVATE_ENDPOINT_NETWORK_POLICIES,
  PRIVATE_LINK_SERVICE_NETWORK_POLICIES,
  type SubnetProperties,
} from './virtual-network.ts';

export interface SubnetSpec {
  name: string;
  blocks: Ipv4Block[];
  /** The JSON path of its `properties`. */
  target: string;
  /** Where placement problems are reported: the path of its prefix, or prefixes. */
  prefixTarget: string;
  properties: Omit<SubnetProperties, 'ipConfigurations'>;
}

/** Smallest subnet Azure allows: a /29 keeps three addresses after the five it reserves. */
const SMALLEST_SUBNET = 29;

const READ_ONLY = [
  'ipConfigurations',
  'ipConfigurationProfiles',
  'privateEndpoints',
  'resourceNavigationLinks',
  'serviceAssociationLinks',
  'purpose',
];

/** Checks a subnet's `properties` object at `target`; the subnet's id names it in messages. */
export function checkSubnetProperties(
  given: unknown,
  target: string,
  name: string,
  id: string,
  problems: Problems,
): SubnetSpec | undefined {
  const raw = requiredObjectAt(given, target, problems);
  if (!raw) return undefined;
  refuseOtherMembers(
    raw,
    target,
    [
      'addressPrefix',
      'addressPrefixes',
      'networkSecurityGroup',
      'privateEndpointNetworkPolicies',
      'privateLinkServiceNetworkPolicies',
      'defaultOutboundAccess',
    ],
    problems,
    READ_ONLY,
  );
  const properties: SubnetSpec['properties'] = {
    provisioningState: 'Succeeded',
    delegations: [],
    privateEndpointNetworkPolicies:
      enumValue(
        raw.privateEndpointNetworkPolicies,
        PRIVATE_ENDPOINT_NETWORK_POLICIES,
        `${target}.privateEndpointNetworkPolicies`,
        problems,
      ) ?? 'Disabled',
    privateLinkServiceNetworkPolicies:
      enumValue(
        raw.privateLinkServiceNetworkPolicies,
        PRIVATE_LINK_SERVICE_NETWORK_POLICIES,
        `${target}.privateLinkServiceNetworkPolicies`,
        problems,
      ) ?? 'Enabled',
  };
  const outbound = booleanAt(raw.defaultOutboundAccess, `${target}.defaultOutboundAccess`, problems);
  if (outbound !== undefined) properties.defaultOutboundAccess = outbound;
  const nsg = subResourceId(
    raw.networkSecurityGroup,
    'microsoft.network/networksecuritygroups',
    `${target}.networkSecurityGroup`,
    problems,
  );
  if (nsg) properties.networkSecurityGroup = { id: (raw.networkSecurityGroup as { id: string }).id };

  const single = raw.addressPrefix !== undefined && raw.addressPrefix !== null;
  const many = Array.isArray(raw.addressPrefixes) && raw.addressPrefixes.length > 0;
  if (single === many) {
    problems.add(
      `${target}.addressPrefix`,
      single
        ? `Specify either '${target}.addressPrefix' or '${target}.addressPrefixes', not both.`
        : `Required parameter '${target}.addressPrefix' is missing (null): a subnet needs an address prefix.`,
    );
    return undefined;
  }
  const prefixTarget = `${target}.${single ? 'addressPrefix' : 'addressPrefixes'}`;
  const count = problems.count;
  const checked = single
    ? [checkAddressPrefix(raw.addressPrefix, prefixTarget, id, problems)]
    : checkAddressPrefixes(raw.addressPrefixes, prefixTarget, id, problems);
  if (problems.count > count) return undefined;
  const blocks = checked as Ipv4Block[];
  if (single) properties.addressPrefix = formatBlock(blocks[0]);
  else properties.addressPrefixes = blocks.map(formatBlock);
  return { name, blocks, target, prefixTarget, properties };
}

/**
 * Checks `added` subnets, in order, against the network's address space, the subnets already placed
 * (`placed`) and the ones added before them; problems are reported at the added subnet's prefix.
 */
export function checkSubnetPlacement(
  vnetName: string,
  space: Ipv4Block[],
  placed: Array<Pick<SubnetSpec, 'name' | 'blocks'>>,
  added: SubnetSpec[],
  problems: Problems,
): void {
  const before = [...placed];
  for (const subnet of added) {
    const at = subnet.prefixTarget;
    if (subnet.blocks.some((block) => block.prefixLength > SMALLEST_SUBNET)) {
      problems.add(
        at,
        `Subnet '${subnet.name}' is not valid in virtual network '${vnetName}': the smallest subnet is a /${SMALLEST_SUBNET}, since Azure reserves five addresses of each.`,
        'NetcfgInvalidSubnet',
      );
    } else if (!subnet.blocks.every((block) => space.some((range) => blockWithin(block, range)))) {
      problems.add(
        at,
        `Subnet '${subnet.name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnetName}'.`,
        'NetcfgSubnetRangeOutsideVnet',
      );
    } else {
      const other = before.find((o) => o.blocks.some((a) => subnet.blocks.some((b) => blocksOverlap(a, b))));
      const own = subnet.blocks.some((a, i) => subnet.blocks.some((b, j) => i < j && blocksOverlap(a, b)));
      if (other || own)
        problems.add(
          at,
          `Subnet '${subnet.name}' is not valid because its IP address range overlaps with that of an existing subnet in virtual network '${vnetName}'${other ? ` (subnet '${other.name}')` : ''}.`,
          'NetcfgSubnetRangesOverlap',
        );
    }
    before.push(subnet);
  }
}
