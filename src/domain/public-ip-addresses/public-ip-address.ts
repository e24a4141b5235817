/**
 * Microsoft.Network/publicIPAddresses. Each holds one loopback address of this host from Kiln's pool
 * (address-pool.ts), given when it is made, Static or Dynamic alike (Azure gives a Dynamic address only
 * once it is attached to a running VM), and kept until it is deleted. `ipConfiguration` names the
 * network interface IP configuration that uses it.
 */
import { weakEtag, type NetworkResourceType } from '../network/network-resource.ts';
import type { SubResource } from '../network/references.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';

export const SKUS = ['Basic', 'Standard'] as const;
export const ALLOCATION_METHODS = ['Static', 'Dynamic'] as const;

export interface PublicIPAddress extends ArmResource {
  location: string;
  sku: { name: (typeof SKUS)[number]; tier: 'Regional' };
  zones?: string[];
  properties: {
    provisioningState: 'Succeeded';
    resourceGuid: string;
    ipAddress: string;
    publicIPAddressVersion: 'IPv4';
    publicIPAllocationMethod: (typeof ALLOCATION_METHODS)[number];
    idleTimeoutInMinutes: number;
    ipTags: [];
    ipConfiguration?: SubResource;
  };
}

export type PublicIPAddressData = ResourceData<PublicIPAddress, Record<string, never>>;

export const presentPublicIPAddress = (data: PublicIPAddressData, etag: string): PublicIPAddress => ({
  ...data.resource,
  etag: weakEtag(etag),
});

export const PUBLIC_IP_ADDRESSES: NetworkResourceType<PublicIPAddressData, PublicIPAddress> = {
  collection: 'publicIPAddresses',
  present: presentPublicIPAddress,
};
