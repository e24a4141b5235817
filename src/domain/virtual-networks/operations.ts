/** Microsoft.Network/virtualNetworks: one function per REST operation. */
import { Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { formatBlock } from '../../core/ipv4.ts';
import type { DomainContext } from '../context.ts';
import { LinkedRecords } from '../network/linked-records.ts';
import {
  deleteNetworkResource,
  networkResourceReads,
  putNetworkResource,
  type PutAt,
} from '../network/network-resource.ts';
import { putOwnRecord, refuseLocationChange } from '../network/own-record.ts';
import type { Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { placeSubnets } from './place-subnets.ts';
import { validateVirtualNetworkBody } from './validate-virtual-network.ts';
import {
  VIRTUAL_NETWORKS,
  presentVirtualNetwork,
  type VirtualNetwork,
  type VirtualNetworkData,
} from './virtual-network.ts';

/** PUT: 201 for a new network, 200 for a replaced one; its subnets are the body's, all at once. */
export function createOrUpdateVirtualNetwork(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  return putNetworkResource(ctx, 'virtualNetworks', ref, conditions, async (at: PutAt<VirtualNetworkData>) => {
    const { id, existing } = at;
    const spec = validateVirtualNetworkBody(ctx, body, id, ref.name);
    refuseLocationChange(existing?.data.resource, spec.location, at.group);
    const linked = new LinkedRecords(ctx);
    const problems = new Problems();
    const place = { id, location: spec.location, subscription: ref.subscription };
    const { subnets, leases } = await placeSubnets(linked, place, existing?.data, spec.subnets, problems);
    problems.throwIfAny();
    const vnet: VirtualNetwork = {
      name: existing?.data.resource.name ?? ref.name,
      id,
      type: 'Microsoft.Network/virtualNetworks',
      location: spec.location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: existing?.data.resource.properties.resourceGuid ?? newGuid(),
        addressSpace: { addressPrefixes: spec.space.map(formatBlock) },
        ...(spec.dnsServers ? { dhcpOptions: { dnsServers: spec.dnsServers } } : {}),
        subnets,
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
        enableVmProtection: false,
        privateEndpointVNetPolicies: spec.privateEndpointVNetPolicies,
      },
    };
    const data: VirtualNetworkData = { resource: vnet, internal: { leases } };
    const etag = await putOwnRecord(ctx, data, existing, linked.writes());
    return { status: existing ? (200 as const) : (201 as const), body: presentVirtualNetwork(data, etag), etag };
  });
}

const reads = networkResourceReads(VIRTUAL_NETWORKS);
export const getVirtualNetwork = reads.get;
export const listVirtualNetworks = reads.list;
/** PATCH: tags only (NRP's updateTags). */
export const updateVirtualNetworkTags = reads.updateTags;

/** Refused while any subnet holds addresses (`InUseSubnetCannotBeDeleted`); its security groups stop listing its subnets. */
export function deleteVirtualNetwork(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions) {
  return deleteNetworkResource<VirtualNetworkData>(ctx, 'virtualNetworks', ref, conditions, async (existing) => {
    const linked = new LinkedRecords(ctx);
    const vnet = existing.data.resource;
    const place = { id: vnet.id, location: vnet.location, subscription: ref.subscription };
    await placeSubnets(linked, place, existing.data, [], new Problems());
    return linked.writes();
  });
}
