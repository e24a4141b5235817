/**
 * Where public IP addresses come from. Kiln's "public" addresses are loopback addresses of the host
 * (Linux routes all of 127.0.0.0/8 to the loopback device), one per public IP resource, unique across
 * the whole install, so a VM's forwarded ports can each sit on its own address as on Azure.
 *
 * Invariants: an address is held by a lease record keyed by the address, put with an `absent`
 * expectation in the batch that creates its public IP and deleted in the batch that deletes it, so
 * two public IPs never hold one address, even when created at once. A lease carries its public IP's
 * subscription and resource group, so deleting the group releases it too.
 */
import { blockOf, blockSize, formatBlock, formatIpv4, parseCidr, type Ipv4Block } from '../../core/ipv4.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { ArmError } from '../../core/arm-error.ts';

export const DEFAULT_PUBLIC_IP_POOL = '127.100.0.0/16';

const LEASE_KIND = 'kiln/publicipleases';
const LOOPBACK = blockOf(127 * 2 ** 24, 8);

/** `network.publicIpAddressPool` of config.json, checked: a block inside 127.0.0.0/8 with at least two hosts. */
export function parsePublicIpPool(value: unknown): Ipv4Block {
  const parsed = typeof value === 'string' ? parseCidr(value) : undefined;
  const block = parsed && blockOf(parsed.address, parsed.prefixLength);
  if (!parsed || !block || block.start !== parsed.address || parsed.prefixLength < 8 || parsed.prefixLength > 30)
    throw new Error(
      `network.publicIpAddressPool must be a CIDR block such as ${DEFAULT_PUBLIC_IP_POOL} (a /8 to /30 inside 127.0.0.0/8), not ${JSON.stringify(value)}.`,
    );
  if (Math.floor(block.start / 2 ** 24) !== 127)
    throw new Error(
      `network.publicIpAddressPool ${formatBlock(block)} is not inside ${formatBlock(LOOPBACK)}: Kiln's public IP addresses are loopback addresses of this host.`,
    );
  return block;
}

const leaseKey = (address: string) => `/kiln/publicipleases/${address}`;

/** The lowest free host address of the pool (its first and last addresses excluded), and the lease that holds it. */
export async function leaseAddress(
  ctx: DomainContext,
  holder: { id: string; subscription: string; resourceGroup: string },
): Promise<{ address: string; write: Write }> {
  const pool = parsePublicIpPool(ctx.settings.publicIpAddressPool ?? DEFAULT_PUBLIC_IP_POOL);
  const hosts = blockSize(pool.prefixLength) - 2;
  const leases = await ctx.store.list({ kind: LEASE_KIND, limit: 1_000_000 });
  const taken = new Set(leases.map((lease) => lease.key));
  for (let n = 1; n <= hosts; n++) {
    const address = formatIpv4(pool.start + n);
    if (taken.has(leaseKey(address))) continue;
    const record = {
      key: leaseKey(address),
      kind: LEASE_KIND,
      subscription: holder.subscription.toLowerCase(),
      resourceGroup: holder.resourceGroup.toLowerCase(),
      parent: null,
      data: { publicIPAddress: holder.id },
    };
    return { address, write: { op: 'put', record, expect: { absent: true } } };
  }
  throw new ArmError(
    409,
    'PublicIPCountLimitReached',
    `Every address of Kiln's public IP address pool ${formatBlock(pool)} is in use (${hosts}); delete a public IP address, or give network.publicIpAddressPool in config.json a larger block.`,
  );
}

export const releaseAddress = (address: string): Write => ({ op: 'delete', key: leaseKey(address) });
