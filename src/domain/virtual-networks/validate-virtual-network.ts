/** Checks a virtual network PUT body, reporting every bad field at once with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { Ipv4Block } from '../../core/ipv4.ts';
import type { DomainContext } from '../context.ts';
import { checkAddressPrefixes, checkIpv4Address } from '../network/address-prefixes.ts';
import { arrayAt, checkEnvelope, checkNetworkName, checkUniqueNames, refuseOtherMembers } from '../network/fields.ts';
import { booleanAt, enumValue, isObject, objectAt } from '../shared/validate.ts';
import { checkSubnetPlacement, checkSubnetProperties, type SubnetSpec } from './subnet-spec.ts';
import { subnetId, type VirtualNetwork } from './virtual-network.ts';

export interface VirtualNetworkSpec {
  location: string;
  tags?: Record<string, string>;
  space: Ipv4Block[];
  dnsServers?: string[];
  subnets: SubnetSpec[];
  privateEndpointVNetPolicies: VirtualNetwork['properties']['privateEndpointVNetPolicies'];
}

export function validateVirtualNetworkBody(
  ctx: DomainContext,
  body: Record<string, unknown>,
  id: string,
  name: string,
): VirtualNetworkSpec {
  const problems = new Problems();
  const { location, tags, props } = checkEnvelope(ctx, body, problems);
  refuseOtherMembers(
    props,
    'properties',
    [
      'addressSpace',
      'subnets',
      'dhcpOptions',
      'enableDdosProtection',
      'enableVmProtection',
      'privateEndpointVNetPolicies',
    ],
    problems,
    ['flowLogs', 'defaultPublicNatGateway'],
  );

  const addressSpace = objectAt(props.addressSpace, 'properties.addressSpace', problems) ?? {};
  refuseOtherMembers(addressSpace, 'properties.addressSpace', ['addressPrefixes'], problems);
  const at = 'properties.addressSpace.addressPrefixes';
  const space = Array.isArray(addressSpace.addressPrefixes)
    ? checkAddressPrefixes(addressSpace.addressPrefixes, at, id, problems)
    : [];
  if (!Array.isArray(addressSpace.addressPrefixes) || addressSpace.addressPrefixes.length === 0)
    problems.add(at, `Required parameter '${at}' is missing (null): a virtual network needs an address space.`);

  const spec: VirtualNetworkSpec = {
    location,
    tags,
    space,
    subnets: [],
    privateEndpointVNetPolicies:
      enumValue(
        props.privateEndpointVNetPolicies,
        ['Disabled', 'Basic'] as const,
        'properties.privateEndpointVNetPolicies',
        problems,
      ) ?? 'Disabled',
  };
  if (booleanAt(props.enableDdosProtection, 'properties.enableDdosProtection', problems))
    problems.add(
      'properties.enableDdosProtection',
      'Kiln has no DDoS protection plans, so a virtual network cannot enable DDoS protection.',
    );
  // Answered false, as Azure answers a network that asks for none (it was dropped, where Azure keeps it).
  if (booleanAt(props.enableVmProtection, 'properties.enableVmProtection', problems))
    problems.add(
      'properties.enableVmProtection',
      'Kiln has no VM protection for virtual networks, so a virtual network cannot enable it.',
    );
  const dhcp = objectAt(props.dhcpOptions, 'properties.dhcpOptions', problems);
  if (dhcp) {
    refuseOtherMembers(dhcp, 'properties.dhcpOptions', ['dnsServers'], problems);
    const servers = arrayAt(dhcp.dnsServers, 'properties.dhcpOptions.dnsServers', problems);
    servers.forEach((server, i) => checkIpv4Address(server, `properties.dhcpOptions.dnsServers[${i}]`, problems));
    spec.dnsServers = servers as string[];
  }

  const subnets = arrayAt(props.subnets, 'properties.subnets', problems);
  const names = subnets.map((raw, i) => {
    const target = `properties.subnets[${i}]`;
    if (!isObject(raw)) {
      problems.add(target, `'${target}' must be an object.`);
      return undefined;
    }
    refuseOtherMembers(raw, target, ['name', 'properties'], problems);
    const subnetName = checkNetworkName(raw.name, `${target}.name`, problems);
    const subnet =
      subnetName &&
      checkSubnetProperties(raw.properties, `${target}.properties`, subnetName, subnetId(id, subnetName), problems);
    if (subnet) spec.subnets.push(subnet);
    return subnetName;
  });
  checkUniqueNames(names, (i) => `properties.subnets[${i}]`, problems);
  if (problems.count === 0) checkSubnetPlacement(name, space, [], spec.subnets, problems);
  problems.throwIfAny();
  return spec;
}
