/** Microsoft.Network/publicIPAddresses: one function per REST operation. */
import { Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import {
  deleteNetworkResource,
  networkResourceReads,
  putNetworkResource,
  type PutAt,
} from '../network/network-resource.ts';
import { putOwnRecord, refuseLocationChange } from '../network/own-record.ts';
import { inUse, stillNames } from '../network/references.ts';
import type { Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { leaseAddress, releaseAddress } from './address-pool.ts';
import {
  PUBLIC_IP_ADDRESSES,
  presentPublicIPAddress,
  type PublicIPAddress,
  type PublicIPAddressData,
} from './public-ip-address.ts';
import { validatePublicIPAddressBody, type PublicIPAddressSpec } from './validate-public-ip-address.ts';

/** What a PUT may not change of an existing address: its SKU, and the address Kiln gave it. */
function checkUnchanged(spec: PublicIPAddressSpec, existing: PublicIPAddress | undefined) {
  const problems = new Problems();
  if (existing && existing.sku.name !== spec.sku)
    problems.add(
      'sku.name',
      `Changing property 'sku.name' is not allowed: the public IP address is ${existing.sku.name}.`,
      'PropertyChangeNotAllowed',
    );
  if (spec.ipAddress !== undefined && spec.ipAddress !== existing?.properties.ipAddress)
    problems.add(
      'properties.ipAddress',
      `Kiln gives each public IP address a loopback address of its own from network.publicIpAddressPool${existing ? ` (this one holds ${existing.properties.ipAddress})` : ''}; a request cannot choose it.`,
    );
  problems.throwIfAny();
}

/** PUT: 201 with a new address from the pool, 200 keeping the address it holds. */
export function createOrUpdatePublicIPAddress(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  return putNetworkResource(ctx, 'publicIPAddresses', ref, conditions, async (at: PutAt<PublicIPAddressData>) => {
    const { id, group, existing } = at;
    const spec = validatePublicIPAddressBody(ctx, body, id);
    const before = existing?.data.resource;
    refuseLocationChange(before, spec.location, group);
    checkUnchanged(spec, before);
    const holder = { id, subscription: ref.subscription, resourceGroup: group };
    const lease = before ? undefined : await leaseAddress(ctx, holder);
    const pip: PublicIPAddress = {
      name: before?.name ?? ref.name,
      id,
      type: 'Microsoft.Network/publicIPAddresses',
      location: spec.location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      sku: { name: spec.sku, tier: 'Regional' },
      ...(spec.zones ? { zones: spec.zones } : {}),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: before?.properties.resourceGuid ?? newGuid(),
        ipAddress: before?.properties.ipAddress ?? lease!.address,
        publicIPAddressVersion: 'IPv4',
        publicIPAllocationMethod: spec.allocationMethod,
        idleTimeoutInMinutes: spec.idleTimeoutInMinutes,
        ipTags: [],
        ...(before?.properties.ipConfiguration ? { ipConfiguration: before.properties.ipConfiguration } : {}),
      },
    };
    const data: PublicIPAddressData = { resource: pip, internal: {} };
    const etag = await putOwnRecord(ctx, data, existing, lease ? [lease.write] : []);
    return { status: existing ? (200 as const) : (201 as const), body: presentPublicIPAddress(data, etag), etag };
  });
}

const reads = networkResourceReads(PUBLIC_IP_ADDRESSES);
export const getPublicIPAddress = reads.get;
export const listPublicIPAddresses = reads.list;
/** PATCH: tags only (NRP's updateTags). */
export const updatePublicIPAddressTags = reads.updateTags;

/** Refused while an IP configuration uses it (`PublicIPAddressCannotBeDeleted`); its address goes back to the pool. */
export function deletePublicIPAddress(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions) {
  return deleteNetworkResource<PublicIPAddressData>(ctx, 'publicIPAddresses', ref, conditions, async (existing) => {
    const pip = existing.data.resource;
    const user = pip.properties.ipConfiguration?.id;
    if (user && (await stillNames(ctx, user, pip.id)))
      throw inUse(
        'PublicIPAddressCannotBeDeleted',
        `Public IP address ${pip.id} can not be deleted since it is still allocated to resource ${user}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip.`,
      );
    return [releaseAddress(pip.properties.ipAddress)];
  });
}
