/**
 * Microsoft.Network/virtualNetworks/subnets: one function per REST operation (NRP has no PATCH for
 * subnets). A subnet lives in its network's record, so every write rewrites the network, guarded by
 * its etag, which is also the subnet's.
 */
import { Problems } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { refuseOtherMembers } from '../network/fields.ts';
import { LinkedRecords } from '../network/linked-records.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { putOwnRecord } from '../network/own-record.ts';
import { requireResource, resourceNotFound, type ResourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName } from '../shared/validate.ts';
import { placeSubnets } from '../virtual-networks/place-subnets.ts';
import { checkSubnetPlacement, checkSubnetProperties, type SubnetSpec } from '../virtual-networks/subnet-spec.ts';
import {
  blocksOf,
  findSubnet,
  presentSubnet,
  subnetBlocks,
  subnetId,
  virtualNetworkId,
  type Subnet,
  type VirtualNetwork,
  type VirtualNetworkData,
  type VirtualNetworkInternal,
} from '../virtual-networks/virtual-network.ts';

/** A subnet: its own name, and its network's. */
export interface SubnetRef extends ResourceRef {
  virtualNetwork: string;
}

type NetworkRecord = ResourceRecord<VirtualNetwork, VirtualNetworkInternal>;

const networkOf = (ref: Omit<SubnetRef, 'name'>): ResourceId =>
  virtualNetworkId({ subscription: ref.subscription, resourceGroup: ref.resourceGroup, name: ref.virtualNetwork });

/** The subnet's network; a write also needs its group not being deleted. */
async function requireNetwork(ctx: DomainContext, ref: Omit<SubnetRef, 'name'>, write = false): Promise<NetworkRecord> {
  await (write ? requireWritableResourceGroup : requireResourceGroup)(ctx, ref.subscription, ref.resourceGroup);
  return requireResource<VirtualNetwork, VirtualNetworkInternal>(ctx, networkOf(ref));
}

const subnetNotFound = (ref: SubnetRef) =>
  resourceNotFound({
    ...networkOf(ref),
    types: [
      ['virtualNetworks', ref.virtualNetwork],
      ['subnets', ref.name],
    ],
  });

/** A stored subnet as the spec a network write takes. */
const specOf = (subnet: Subnet): SubnetSpec => ({
  name: subnet.name,
  blocks: subnetBlocks(subnet),
  target: 'properties',
  prefixTarget: 'properties.addressPrefix',
  properties: subnet.properties,
});

/** Rewrites the network with `specs` as its subnets (in-use checks and security group lists included). */
async function writeSubnets(ctx: DomainContext, record: NetworkRecord, specs: SubnetSpec[]) {
  const linked = new LinkedRecords(ctx);
  const problems = new Problems();
  const vnet = record.data.resource;
  const place = { id: vnet.id, location: vnet.location, subscription: record.subscription };
  const { subnets, leases } = await placeSubnets(linked, place, record.data, specs, problems);
  problems.throwIfAny();
  const data: VirtualNetworkData = {
    resource: { ...vnet, properties: { ...vnet.properties, subnets } },
    internal: { leases },
  };
  return { data, etag: await putOwnRecord(ctx, data, record, linked.writes()) };
}

/** PUT: 201 for a new subnet, 200 for a replaced one, checked against its network's other subnets. */
export function createOrUpdateSubnet(
  ctx: DomainContext,
  ref: SubnetRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  checkComputeResourceName(ref.name, 'name');
  return retryOnRace(async () => {
    const record = await requireNetwork(ctx, ref, true);
    checkConditions(conditions, record.etag);
    const vnet = record.data.resource;
    const existing = findSubnet(vnet, ref.name);
    const name = existing?.name ?? ref.name;
    const problems = new Problems();
    refuseOtherMembers(body, '', ['properties'], problems);
    const spec = checkSubnetProperties(body.properties, 'properties', name, subnetId(vnet.id, name), problems);
    problems.throwIfAny();
    const others = vnet.properties.subnets.filter((s) => s !== existing).map(specOf);
    checkSubnetPlacement(vnet.name, blocksOf(vnet.properties.addressSpace.addressPrefixes), others, [spec!], problems);
    problems.throwIfAny();
    const specs = existing
      ? vnet.properties.subnets.map((s) => (s === existing ? spec! : specOf(s)))
      : [...vnet.properties.subnets.map(specOf), spec!];
    const { data, etag } = await writeSubnets(ctx, record, specs);
    const subnet = findSubnet(data.resource, name)!;
    return { status: existing ? (200 as const) : (201 as const), body: presentSubnet(data, subnet, etag), etag };
  });
}

export async function getSubnet(ctx: DomainContext, ref: SubnetRef) {
  const record = await requireNetwork(ctx, ref);
  const subnet = findSubnet(record.data.resource, ref.name);
  if (!subnet) throw subnetNotFound(ref);
  return { body: presentSubnet(record.data, subnet, record.etag), etag: record.etag };
}

/** Every subnet of the network, in one page. */
export async function listSubnets(ctx: DomainContext, ref: Omit<SubnetRef, 'name'>) {
  const record = await requireNetwork(ctx, ref);
  return { value: record.data.resource.properties.subnets.map((s) => presentSubnet(record.data, s, record.etag)) };
}

/** Refused while network interfaces hold addresses in it (`InUseSubnetCannotBeDeleted`). */
export function deleteSubnet(ctx: DomainContext, ref: SubnetRef, conditions?: Conditions) {
  return retryOnRace(async () => {
    const record = await requireNetwork(ctx, ref);
    const existing = findSubnet(record.data.resource, ref.name);
    checkConditions(conditions, existing && record.etag);
    if (!existing) return false;
    await writeSubnets(ctx, record, record.data.resource.properties.subnets.filter((s) => s !== existing).map(specOf));
    return true;
  });
}
