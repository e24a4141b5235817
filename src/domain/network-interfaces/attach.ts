/**
 * Joins a network interface to what its body names and takes it off what it no longer names, through
 * the linked records (network/linked-records.ts), so all of it lands in the interface's own batch:
 *  - each IP configuration leases a private address in its subnet's network: a Static one the address
 *    it names, if inside the subnet, not one of the five Azure reserves (the first four and the last of
 *    each prefix) and not held by another configuration; a Dynamic one keeps its address while it stays
 *    in its subnet, else takes the lowest free one (from the fifth address up);
 *  - a public IP address it names names it back (`ipConfiguration`), and serves no other;
 *  - the security group it names lists it (`networkInterfaces`).
 * What the interface referenced before is released first, so a PUT may move anything.
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { blockContains, formatIpv4, lastAddress, parseIpv4, type Ipv4Block } from '../../core/ipv4.ts';
import { formatResourceId, parseResourceId } from '../../core/resource-id.ts';
import type { LinkedRecords } from '../network/linked-records.ts';
import { invalidReference, sameSubscriptionAndRegion, stillNames, withReferrer } from '../network/references.ts';
import type { NetworkSecurityGroup } from '../network-security-groups/network-security-group.ts';
import type { PublicIPAddress } from '../public-ip-addresses/public-ip-address.ts';
import {
  findSubnet,
  subnetBlocks,
  type Subnet,
  type SubnetLease,
  type VirtualNetwork,
  type VirtualNetworkInternal,
} from '../virtual-networks/virtual-network.ts';
import { ipConfigurationId, type NetworkInterface, type NicIPConfiguration } from './network-interface.ts';
import type { IpConfigurationSpec, NetworkInterfaceSpec } from './validate-network-interface.ts';

export interface InterfacePlace {
  id: string;
  location: string;
  subscription: string;
}

const sameId = (a: string | undefined, b: string | undefined) => a?.toLowerCase() === b?.toLowerCase();

/** The network record a subnet id is in: its first type and name. */
const networkIdOf = (subnet: string) => {
  const id = parseResourceId(subnet)!;
  return formatResourceId({ ...id, types: id.types.slice(0, 1) });
};
const subnetNameOf = (subnet: string) => parseResourceId(subnet)!.types[1][1];

/** Takes `nic` off everything it references; the addresses its configurations held, by name. */
async function release(linked: LinkedRecords, nic: NetworkInterface): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const config of nic.properties.ipConfigurations) {
    const vnet = await linked.get<VirtualNetwork, VirtualNetworkInternal>(networkIdOf(config.properties.subnet.id));
    const name = subnetNameOf(config.properties.subnet.id).toLowerCase();
    if (vnet?.internal.leases[name])
      vnet.internal.leases[name] = vnet.internal.leases[name].filter((l) => !sameId(l.ipConfiguration, config.id));
    held.set(`${config.name}|${config.properties.subnet.id}`.toLowerCase(), config.properties.privateIPAddress);
    const pipId = config.properties.publicIPAddress?.id;
    const pip = pipId && (await linked.get<PublicIPAddress, unknown>(pipId));
    if (pip && sameId(pip.resource.properties.ipConfiguration?.id, config.id))
      delete pip.resource.properties.ipConfiguration;
  }
  const nsgId = nic.properties.networkSecurityGroup?.id;
  const nsg = nsgId && (await linked.get<NetworkSecurityGroup, unknown>(nsgId));
  if (nsg)
    nsg.resource.properties.networkInterfaces = withReferrer(nsg.resource.properties.networkInterfaces, nic.id, false);
  return held;
}

/** Takes `before` (if any) off what it referenced; with `spec`, joins the interface to what it names. */
export async function attachNetworkInterface(
  linked: LinkedRecords,
  nic: InterfacePlace,
  before: NetworkInterface | undefined,
  spec: NetworkInterfaceSpec | undefined,
  problems: Problems,
): Promise<NicIPConfiguration[]> {
  const held = before ? await release(linked, before) : new Map<string, string>();
  if (!spec) return [];
  let network: string | undefined;
  const joined: Array<{ config: IpConfigurationSpec; id: string; subnet: Subnet; leases: VirtualNetworkInternal }> = [];
  for (const config of spec.ipConfigurations) {
    const id = ipConfigurationId(nic.id, config.name);
    const target = `${config.target}.properties.subnet.id`;
    const vnet = await linked.get<VirtualNetwork, VirtualNetworkInternal>(networkIdOf(config.subnet));
    const subnet = vnet && findSubnet(vnet.resource, subnetNameOf(config.subnet));
    if (!vnet || !subnet || !sameSubscriptionAndRegion(vnet.resource, nic)) {
      invalidReference(config.subnet, nic.id, target, problems);
      continue;
    }
    if (network !== undefined && !sameId(network, vnet.resource.id))
      problems.add(target, `All IP configurations of a network interface must be in one virtual network: ${network}.`);
    network ??= vnet.resource.id;
    joined.push({ config, id, subnet, leases: vnet.internal });
    if (config.publicIPAddress) await usePublicIp(linked, config, id, nic, problems);
  }
  if (spec.networkSecurityGroup) {
    const nsg = await linked.get<NetworkSecurityGroup, unknown>(spec.networkSecurityGroup);
    if (!nsg || !sameSubscriptionAndRegion(nsg.resource, nic))
      invalidReference(spec.networkSecurityGroup, nic.id, 'properties.networkSecurityGroup.id', problems);
    else
      nsg.resource.properties.networkInterfaces = withReferrer(nsg.resource.properties.networkInterfaces, nic.id, true);
  }
  if (problems.count > 0) return [];
  const configs: NicIPConfiguration[] = [];
  for (const { config, id, subnet, leases } of joined) {
    const address = await leasePrivateAddress(linked, config, id, subnet, leases, held, problems);
    if (address === undefined) continue;
    configs.push({
      name: config.name,
      id,
      type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
      properties: {
        provisioningState: 'Succeeded',
        privateIPAddress: address,
        privateIPAllocationMethod: config.method,
        privateIPAddressVersion: 'IPv4',
        subnet: { id: subnet.id },
        primary: config.primary,
        ...(config.publicIPAddress ? { publicIPAddress: { id: config.publicIPAddress } } : {}),
      },
    });
  }
  return configs;
}

async function usePublicIp(
  linked: LinkedRecords,
  config: IpConfigurationSpec,
  id: string,
  nic: InterfacePlace,
  problems: Problems,
) {
  const target = `${config.target}.properties.publicIPAddress.id`;
  const pip = await linked.get<PublicIPAddress, unknown>(config.publicIPAddress!);
  if (!pip || !sameSubscriptionAndRegion(pip.resource, nic))
    return invalidReference(config.publicIPAddress!, nic.id, target, problems);
  const user = pip.resource.properties.ipConfiguration?.id;
  if (user && !sameId(user, id) && (await stillNames(linked.ctx, user, pip.resource.id)))
    return problems.add(
      target,
      `Public IP address ${pip.resource.id} is already in use by ${user}; an address serves one IP configuration. Detach it there first.`,
      'PublicIPAddressInUse',
    );
  pip.resource.properties.ipConfiguration = { id };
}

/** Azure keeps the first four addresses and the last of each prefix for itself. */
const reserved = (block: Ipv4Block, address: number) => address - block.start < 4 || address === lastAddress(block);

/** Leases the configuration's address in its subnet (the leases still held by live configurations only). */
async function leasePrivateAddress(
  linked: LinkedRecords,
  config: IpConfigurationSpec,
  id: string,
  subnet: Subnet,
  internal: VirtualNetworkInternal,
  held: Map<string, string>,
  problems: Problems,
): Promise<string | undefined> {
  const key = subnet.name.toLowerCase();
  const live: SubnetLease[] = [];
  // This interface's own leases here are this request's: release() dropped the ones it had.
  const own = `${id.slice(0, id.lastIndexOf('/'))}/`.toLowerCase();
  for (const lease of internal.leases[key] ?? [])
    if (
      lease.ipConfiguration.toLowerCase().startsWith(own) ||
      (await stillNames(linked.ctx, lease.ipConfiguration, subnet.id))
    )
      live.push(lease);
  const taken = new Map(live.map((lease) => [lease.address, lease.ipConfiguration]));
  const blocks = subnetBlocks(subnet);
  const prefixes = blocks.map((b) => `${formatIpv4(b.start)}/${b.prefixLength}`).join(', ');
  const at = `${config.target}.properties.privateIPAddress`;
  const before = held.get(`${config.name}|${subnet.id}`.toLowerCase());
  let address: string | undefined;
  if (config.method === 'Static') {
    const wanted = parseIpv4(config.address!)!;
    const block = blocks.find((b) => blockContains(b, wanted));
    if (!block)
      problems.add(
        at,
        `Private static IP address ${config.address} does not belong to the range of subnet prefix ${prefixes} of subnet ${subnet.id}.`,
        'PrivateIPAddressNotInSubnet',
      );
    else if (reserved(block, wanted))
      problems.add(
        at,
        `Private static IP address ${config.address} falls within reserved IP range of subnet prefix ${prefixes}.`,
        'PrivateIPAddressInReservedRange',
      );
    else if (taken.has(formatIpv4(wanted)))
      problems.add(
        at,
        `IP configuration ${id} is using the private IP address ${config.address} which is already allocated to resource ${taken.get(formatIpv4(wanted))}.`,
        'PrivateIPAddressIsAllocated',
      );
    else address = formatIpv4(wanted);
  } else if (config.address !== undefined && config.address !== before) {
    problems.add(
      at,
      `IP configuration ${id} is Dynamic: its address comes from the subnet. Set privateIPAllocationMethod to Static to choose ${config.address}.`,
    );
  } else {
    address = before && !taken.has(before) ? before : firstFree(blocks, taken);
    if (address === undefined)
      throw new ArmError(
        400,
        'SubnetIsFull',
        `Subnet ${subnet.name} with address prefix ${prefixes} does not have enough capacity for 1 IP addresses.`,
        at,
      );
  }
  internal.leases[key] = address === undefined ? live : [...live, { ipConfiguration: id, address }];
  return address;
}

function firstFree(blocks: Ipv4Block[], taken: Map<string, string>): string | undefined {
  for (const block of blocks) {
    for (let address = block.start + 4; address < lastAddress(block); address++)
      if (!taken.has(formatIpv4(address))) return formatIpv4(address);
  }
  return undefined;
}
