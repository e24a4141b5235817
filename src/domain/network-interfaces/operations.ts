/** Microsoft.Network/networkInterfaces: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
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
import { attachNetworkInterface } from './attach.ts';
import {
  NETWORK_INTERFACES,
  presentNetworkInterface,
  type NetworkInterface,
  type NetworkInterfaceData,
} from './network-interface.ts';
import { validateNetworkInterfaceBody } from './validate-network-interface.ts';

/** PUT: 201 for a new interface, 200 for a replaced one; its addresses are leased in the same batch. */
export function createOrUpdateNetworkInterface(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  return putNetworkResource(ctx, 'networkInterfaces', ref, conditions, async (at: PutAt<NetworkInterfaceData>) => {
    const { id, existing } = at;
    const spec = validateNetworkInterfaceBody(ctx, body);
    const before = existing?.data.resource;
    refuseLocationChange(before, spec.location, at.group);
    const linked = new LinkedRecords(ctx);
    const problems = new Problems();
    const place = { id, location: spec.location, subscription: ref.subscription };
    const ipConfigurations = await attachNetworkInterface(linked, place, before, spec, problems);
    problems.throwIfAny();
    const nic: NetworkInterface = {
      name: before?.name ?? ref.name,
      id,
      type: 'Microsoft.Network/networkInterfaces',
      location: spec.location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: before?.properties.resourceGuid ?? newGuid(),
        ipConfigurations,
        ...(spec.networkSecurityGroup ? { networkSecurityGroup: { id: spec.networkSecurityGroup } } : {}),
        dnsSettings: {
          dnsServers: spec.dnsServers,
          appliedDnsServers: [],
          ...(spec.internalDnsNameLabel !== undefined ? { internalDnsNameLabel: spec.internalDnsNameLabel } : {}),
        },
        enableAcceleratedNetworking: spec.enableAcceleratedNetworking,
        enableIPForwarding: spec.enableIPForwarding,
        disableTcpStateTracking: spec.disableTcpStateTracking,
        hostedWorkloads: [],
        tapConfigurations: [],
        nicType: 'Standard',
        vnetEncryptionSupported: false,
        // Set by the VM it is attached to, never by a PUT of the interface.
        ...(before?.properties.virtualMachine ? { virtualMachine: before.properties.virtualMachine } : {}),
      },
    };
    const data: NetworkInterfaceData = { resource: nic, internal: {} };
    const etag = await putOwnRecord(ctx, data, existing, linked.writes());
    return { status: existing ? (200 as const) : (201 as const), body: presentNetworkInterface(data, etag), etag };
  });
}

const reads = networkResourceReads(NETWORK_INTERFACES);
export const getNetworkInterface = reads.get;
export const listNetworkInterfaces = reads.list;
/** PATCH: tags only (NRP's updateTags). */
export const updateNetworkInterfaceTags = reads.updateTags;

/** Releases its private addresses, its public IP addresses and its security group in the same batch. */
export function deleteNetworkInterface(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions) {
  return deleteNetworkResource<NetworkInterfaceData>(ctx, 'networkInterfaces', ref, conditions, async (existing) => {
    const linked = new LinkedRecords(ctx);
    const nic = existing.data.resource;
    if (nic.properties.virtualMachine)
      throw new ArmError(
        400,
        'NicInUse',
        `Network Interface ${nic.id} is used by existing resource ${nic.properties.virtualMachine.id}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`,
      );
    const place = { id: nic.id, location: nic.location, subscription: ref.subscription };
    await attachNetworkInterface(linked, place, nic, undefined, new Problems());
    return linked.writes();
  });
}
