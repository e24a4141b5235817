/**
 * Writes a network's new set of subnets over its stored one, for a network PUT or DELETE and a subnet
 * PUT or DELETE alike. A subnet whose addresses network interfaces hold can neither go
 * (`InUseSubnetCannotBeDeleted`) nor change its prefixes (`InUseSubnetCannotBeUpdated`); each subnet's
 * security group lists it, and a group it left no longer does, through the linked records.
 */
import type { Problems } from '../../core/arm-error.ts';
import { formatBlock } from '../../core/ipv4.ts';
import type { LinkedRecords } from '../network/linked-records.ts';
import {
  inUse,
  invalidReference,
  liveReferrers,
  sameSubscriptionAndRegion,
  withReferrer,
} from '../network/references.ts';
import type { NetworkSecurityGroup } from '../network-security-groups/network-security-group.ts';
import type { SubnetSpec } from './subnet-spec.ts';
import {
  leasesOf,
  subnetBlocks,
  subnetId,
  type Subnet,
  type SubnetLease,
  type VirtualNetworkData,
} from './virtual-network.ts';

export interface NetworkPlace {
  id: string;
  location: string;
  subscription: string;
}

const nsgOf = (subnet: Pick<Subnet, 'properties'> | undefined) => subnet?.properties.networkSecurityGroup?.id;
const sameText = (a: string | undefined, b: string | undefined) => a?.toLowerCase() === b?.toLowerCase();

export async function placeSubnets(
  linked: LinkedRecords,
  vnet: NetworkPlace,
  stored: VirtualNetworkData | undefined,
  specs: SubnetSpec[],
  problems: Problems,
): Promise<{ subnets: Subnet[]; leases: Record<string, SubnetLease[]> }> {
  const leases: Record<string, SubnetLease[]> = {};
  for (const old of stored?.resource.properties.subnets ?? []) {
    const id = subnetId(vnet.id, old.name);
    const live = await liveReferrers(
      linked.ctx,
      leasesOf(stored!, old.name).map((lease) => ({ id: lease.ipConfiguration })),
      id,
    );
    const next = specs.find((spec) => sameText(spec.name, old.name));
    if (live.length > 0 && !next)
      throw inUse(
        'InUseSubnetCannotBeDeleted',
        `Subnet ${old.name} is in use by ${live[0]} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
      );
    if (live.length > 0 && next && subnetBlocks(old).map(formatBlock).join() !== next.blocks.map(formatBlock).join())
      throw inUse(
        'InUseSubnetCannotBeUpdated',
        `Subnet ${old.name} is in use by ${live[0]} and its address prefixes cannot be changed. Delete the resources within the subnet first.`,
      );
    if (live.length > 0)
      leases[old.name.toLowerCase()] = leasesOf(stored!, old.name).filter((l) => live.includes(l.ipConfiguration));
  }
  const storedSubnets = stored?.resource.properties.subnets ?? [];
  const names = new Set([...storedSubnets.map((s) => s.name), ...specs.map((s) => s.name)].map((n) => n.toLowerCase()));
  for (const name of names) {
    const before = nsgOf(storedSubnets.find((s) => s.name.toLowerCase() === name));
    const spec = specs.find((s) => s.name.toLowerCase() === name);
    const after = nsgOf(spec);
    if (sameText(before, after)) continue;
    const id = subnetId(vnet.id, spec?.name ?? name);
    if (before) await link(linked, before, id, false);
    if (after && !(await link(linked, after, id, true, vnet)))
      invalidReference(after, id, `${spec!.target}.networkSecurityGroup.id`, problems);
  }
  const subnets: Subnet[] = specs.map((spec) => ({
    id: subnetId(vnet.id, spec.name),
    name: spec.name,
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: spec.properties,
  }));
  return { subnets, leases };
}

/** Lists `subnet` in the security group `nsg` (`on`) or takes it off; false when the group is not there to use. */
async function link(linked: LinkedRecords, nsg: string, subnet: string, on: boolean, place?: NetworkPlace) {
  const group = await linked.get<NetworkSecurityGroup, unknown>(nsg);
  if (!group || (place && !sameSubscriptionAndRegion(group.resource, place))) return false;
  group.resource.properties.subnets = withReferrer(group.resource.properties.subnets, subnet, on);
  return true;
}
