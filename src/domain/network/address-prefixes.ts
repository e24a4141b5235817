/**
 * Address prefixes as NRP checks them: CIDR syntax (`InvalidAddressPrefixFormat`) and no host bits
 * set (`InvalidCIDRNotation`, naming the prefix it should be), each at its JSON path. Kiln's networks
 * are IPv4 only: an IPv6 prefix is refused with the format code and says so.
 */
import type { Problems } from '../../core/arm-error.ts';
import { blockOf, formatBlock, parseCidr, parseIpv4, type Ipv4Block } from '../../core/ipv4.ts';

/** The block `value` names at `target`, or undefined after recording why it names none. */
export function checkAddressPrefix(
  value: unknown,
  target: string,
  resourceId: string,
  problems: Problems,
): Ipv4Block | undefined {
  const text = typeof value === 'string' ? value : String(value);
  const parsed = typeof value === 'string' ? parseCidr(value) : undefined;
  if (!parsed) {
    const ipv6 = typeof value === 'string' && value.includes(':');
    problems.add(
      target,
      ipv6
        ? `Address prefix ${text} of resource ${resourceId} is an IPv6 prefix; Kiln's virtual networks are IPv4 only.`
        : `Address prefix ${text} of resource ${resourceId} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.`,
      'InvalidAddressPrefixFormat',
    );
    return undefined;
  }
  const block = blockOf(parsed.address, parsed.prefixLength);
  if (block.start !== parsed.address) {
    problems.add(
      target,
      `The address prefix ${text} in resource ${resourceId} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${formatBlock(block)}.`,
      'InvalidCIDRNotation',
    );
    return undefined;
  }
  return block;
}

/** A list of prefixes (`addressPrefixes`), each checked at `target[i]`. */
export function checkAddressPrefixes(
  values: unknown,
  target: string,
  resourceId: string,
  problems: Problems,
): Ipv4Block[] {
  if (!Array.isArray(values)) {
    problems.add(target, `'${target}' must be an array of address prefixes.`);
    return [];
  }
  return values.flatMap((value, i) => checkAddressPrefix(value, `${target}[${i}]`, resourceId, problems) ?? []);
}

/** An IPv4 address at `target` (a static private IP, a DNS server). */
export function checkIpv4Address(value: unknown, target: string, problems: Problems): number | undefined {
  const address = typeof value === 'string' ? parseIpv4(value) : undefined;
  if (address === undefined)
    problems.add(target, `The value '${String(value)}' of '${target}' is not a valid IPv4 address.`);
  return address;
}
