/** Checks a network interface PUT body, reporting every bad field at once with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { checkIpv4Address } from '../network/address-prefixes.ts';
import {
  arrayAt,
  checkEnvelope,
  checkNetworkName,
  checkUniqueNames,
  refuseOtherMembers,
  stringAt,
} from '../network/fields.ts';
import { booleanAt, enumValue, isObject, objectAt, subResourceId } from '../shared/validate.ts';
import { PRIVATE_ALLOCATION_METHODS, type NicIPConfiguration } from './network-interface.ts';

export interface IpConfigurationSpec {
  name: string;
  /** The JSON path of the configuration: `properties.ipConfigurations[i]`. */
  target: string;
  subnet: string;
  method: NicIPConfiguration['properties']['privateIPAllocationMethod'];
  /** The private address the body names: the one a Static configuration asks for. */
  address?: string;
  publicIPAddress?: string;
  primary: boolean;
}

export interface NetworkInterfaceSpec {
  location: string;
  tags?: Record<string, string>;
  ipConfigurations: IpConfigurationSpec[];
  networkSecurityGroup?: string;
  dnsServers: string[];
  internalDnsNameLabel?: string;
  enableAcceleratedNetworking: boolean;
  enableIPForwarding: boolean;
  disableTcpStateTracking: boolean;
}

const idAt = (value: unknown) => (value as { id: string }).id;

function checkIpConfiguration(raw: unknown, target: string, problems: Problems): IpConfigurationSpec | undefined {
  if (!isObject(raw)) {
    problems.add(target, `'${target}' must be an object.`);
    return undefined;
  }
  refuseOtherMembers(raw, target, ['name', 'properties'], problems);
  const name = checkNetworkName(raw.name, `${target}.name`, problems);
  const at = `${target}.properties`;
  const props = objectAt(raw.properties, at, problems) ?? {};
  refuseOtherMembers(
    props,
    at,
    [
      'subnet',
      'privateIPAllocationMethod',
      'privateIPAddress',
      'privateIPAddressVersion',
      'publicIPAddress',
      'primary',
    ],
    problems,
    ['privateLinkConnectionProperties'],
  );
  enumValue(props.privateIPAddressVersion, ['IPv4'] as const, `${at}.privateIPAddressVersion`, problems);
  const method =
    enumValue(
      props.privateIPAllocationMethod,
      PRIVATE_ALLOCATION_METHODS,
      `${at}.privateIPAllocationMethod`,
      problems,
    ) ?? 'Dynamic';
  const address = props.privateIPAddress ?? undefined;
  if (address !== undefined) checkIpv4Address(address, `${at}.privateIPAddress`, problems);
  else if (method === 'Static')
    problems.add(
      `${at}.privateIPAddress`,
      `Required parameter '${at}.privateIPAddress' is missing (null): a Static IP configuration names its address.`,
    );
  if (props.subnet === undefined || props.subnet === null)
    problems.add(`${at}.subnet`, `Required parameter '${at}.subnet' is missing (null).`);
  const subnet = subResourceId(props.subnet, 'microsoft.network/virtualnetworks/subnets', `${at}.subnet`, problems);
  const pip = subResourceId(
    props.publicIPAddress,
    'microsoft.network/publicipaddresses',
    `${at}.publicIPAddress`,
    problems,
  );
  const primary = booleanAt(props.primary, `${at}.primary`, problems);
  if (!name || !subnet) return undefined;
  return {
    name,
    target,
    subnet: idAt(props.subnet),
    method,
    ...(typeof address === 'string' ? { address } : {}),
    ...(pip ? { publicIPAddress: idAt(props.publicIPAddress) } : {}),
    primary: primary ?? false,
  };
}

export function validateNetworkInterfaceBody(ctx: DomainContext, body: Record<string, unknown>): NetworkInterfaceSpec {
  const problems = new Problems();
  const { location, tags, props } = checkEnvelope(ctx, body, problems);
  refuseOtherMembers(
    props,
    'properties',
    [
      'ipConfigurations',
      'networkSecurityGroup',
      'dnsSettings',
      'enableAcceleratedNetworking',
      'enableIPForwarding',
      'disableTcpStateTracking',
      'nicType',
    ],
    problems,
    [
      'virtualMachine',
      'macAddress',
      'primary',
      'hostedWorkloads',
      'tapConfigurations',
      'vnetEncryptionSupported',
      'defaultOutboundConnectivityEnabled',
      'dscpConfiguration',
      'privateEndpoint',
    ],
  );
  const dns = objectAt(props.dnsSettings, 'properties.dnsSettings', problems) ?? {};
  refuseOtherMembers(dns, 'properties.dnsSettings', ['dnsServers', 'internalDnsNameLabel'], problems, [
    'appliedDnsServers',
    'internalFqdn',
    'internalDomainNameSuffix',
  ]);
  const dnsServers = arrayAt(dns.dnsServers, 'properties.dnsSettings.dnsServers', problems);
  dnsServers.forEach((server, i) => checkIpv4Address(server, `properties.dnsSettings.dnsServers[${i}]`, problems));
  const label = stringAt(dns.internalDnsNameLabel, 'properties.dnsSettings.internalDnsNameLabel', problems, 80);
  const nsg = subResourceId(
    props.networkSecurityGroup,
    'microsoft.network/networksecuritygroups',
    'properties.networkSecurityGroup',
    problems,
  );

  const raws = arrayAt(props.ipConfigurations, 'properties.ipConfigurations', problems);
  if (raws.length === 0)
    problems.add('properties.ipConfigurations', 'A network interface needs at least one IP configuration.');
  const configs = raws.map((raw, i) => checkIpConfiguration(raw, `properties.ipConfigurations[${i}]`, problems));
  checkUniqueNames(
    raws.map((raw) => (isObject(raw) && typeof raw.name === 'string' ? raw.name : undefined)),
    (i) => `properties.ipConfigurations[${i}]`,
    problems,
  );
  enumValue(props.nicType, ['Standard'] as const, 'properties.nicType', problems);
  const ipConfigurations = configs.flatMap((config) => config ?? []);
  ipConfigurations.forEach((config, i) => {
    const first = ipConfigurations.findIndex(
      (c) => c.publicIPAddress?.toLowerCase() === config.publicIPAddress?.toLowerCase(),
    );
    if (config.publicIPAddress && first < i)
      problems.add(
        `${config.target}.properties.publicIPAddress.id`,
        `The public IP address ${config.publicIPAddress} is already used by ${ipConfigurations[first].target}; an address serves one IP configuration.`,
        'PublicIPAddressInUse',
      );
  });
  if (ipConfigurations.length === 1) ipConfigurations[0].primary = true;
  else if (ipConfigurations.length > 1 && ipConfigurations.filter((c) => c.primary).length !== 1)
    problems.add(
      'properties.ipConfigurations',
      'A network interface with several IP configurations needs exactly one whose primary is true.',
    );
  const spec: NetworkInterfaceSpec = {
    location,
    tags,
    ipConfigurations,
    dnsServers: dnsServers as string[],
    enableAcceleratedNetworking:
      booleanAt(props.enableAcceleratedNetworking, 'properties.enableAcceleratedNetworking', problems) ?? false,
    enableIPForwarding: booleanAt(props.enableIPForwarding, 'properties.enableIPForwarding', problems) ?? false,
    disableTcpStateTracking:
      booleanAt(props.disableTcpStateTracking, 'properties.disableTcpStateTracking', problems) ?? false,
  };
  if (nsg) spec.networkSecurityGroup = idAt(props.networkSecurityGroup);
  if (label !== undefined) spec.internalDnsNameLabel = label;
  problems.throwIfAny();
  return spec;
}
