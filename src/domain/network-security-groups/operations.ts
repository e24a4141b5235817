/** Microsoft.Network/networkSecurityGroups: one function per REST operation. */
import { newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import {
  deleteNetworkResource,
  networkResourceReads,
  putNetworkResource,
  type PutAt,
} from '../network/network-resource.ts';
import { putOwnRecord, refuseLocationChange } from '../network/own-record.ts';
import { inUse, liveReferrers } from '../network/references.ts';
import type { Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import {
  NETWORK_SECURITY_GROUPS,
  defaultSecurityRules,
  presentNetworkSecurityGroup,
  type NetworkSecurityGroup,
  type NetworkSecurityGroupData,
} from './network-security-group.ts';
import { validateNetworkSecurityGroupBody } from './validate-network-security-group.ts';

/** PUT: 201 for a new group, 200 for a replaced one; its rules are the body's, all at once. */
export function createOrUpdateNetworkSecurityGroup(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  return putNetworkResource(
    ctx,
    'networkSecurityGroups',
    ref,
    conditions,
    async ({ id, group, existing }: PutAt<NetworkSecurityGroupData>) => {
      const spec = validateNetworkSecurityGroupBody(ctx, body, id);
      refuseLocationChange(existing?.data.resource, spec.location, group);
      const before = existing?.data.resource.properties;
      const nsg: NetworkSecurityGroup = {
        name: existing?.data.resource.name ?? ref.name,
        id,
        type: 'Microsoft.Network/networkSecurityGroups',
        location: spec.location,
        ...(spec.tags ? { tags: spec.tags } : {}),
        properties: {
          provisioningState: 'Succeeded',
          resourceGuid: before?.resourceGuid ?? newGuid(),
          flushConnection: spec.flushConnection,
          securityRules: spec.securityRules,
          defaultSecurityRules: defaultSecurityRules(id),
          // Who uses the group is theirs to change, not the body's.
          ...(before?.networkInterfaces ? { networkInterfaces: before.networkInterfaces } : {}),
          ...(before?.subnets ? { subnets: before.subnets } : {}),
        },
      };
      const data: NetworkSecurityGroupData = { resource: nsg, internal: {} };
      const etag = await putOwnRecord(ctx, data, existing, []);
      return {
        status: existing ? (200 as const) : (201 as const),
        body: presentNetworkSecurityGroup(data, etag),
        etag,
      };
    },
  );
}

const reads = networkResourceReads(NETWORK_SECURITY_GROUPS);
export const getNetworkSecurityGroup = reads.get;
export const listNetworkSecurityGroups = reads.list;
/** PATCH: tags only (NRP's updateTags). */
export const updateNetworkSecurityGroupTags = reads.updateTags;

/** Refused while a subnet or a network interface uses it (`InUseNetworkSecurityGroupCannotBeDeleted`). */
export function deleteNetworkSecurityGroup(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions) {
  return deleteNetworkResource<NetworkSecurityGroupData>(
    ctx,
    'networkSecurityGroups',
    ref,
    conditions,
    async (existing) => {
      const nsg = existing.data.resource;
      const users = [
        ...(await liveReferrers(ctx, nsg.properties.networkInterfaces, nsg.id)),
        ...(await liveReferrers(ctx, nsg.properties.subnets, nsg.id)),
      ];
      if (users.length > 0)
        throw inUse(
          'InUseNetworkSecurityGroupCannotBeDeleted',
          `Network security group ${nsg.id} cannot be deleted because it is in use by the following resources: ${users.join(', ')}. In order to delete the Network security group, remove the association with the resource(s). To learn how to do this, see aka.ms/deletensg.`,
        );
      return [];
    },
  );
}
