/**
 * CIDR functions: parseCidr, cidrSubnet, cidrHost, for IPv4 and IPv6 ranges. IPv4 ranges reserve their
 * network and broadcast addresses (so host 0 of 192.168.1.0/24 is .1); IPv6 ranges have no broadcast,
 * but host 0 is still the address after the network's, as Azure's examples show. IPv6 addresses are
 * written as RFC 5952 says (lower case, the longest run of zero groups as '::').
 */
import { functionFailure } from '../errors.ts';
import { integerArg, stringArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

interface Range {
  v6: boolean;
  bits: number;
  prefix: number;
  network: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((sum, part) => (sum << 8n) + BigInt(part), 0n);
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return all.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}

const formatV4 = (address: bigint) => [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 255n)).join('.');

function formatV6(address: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

const format = (range: Range, address: bigint) => (range.v6 ? formatV6(address) : formatV4(address));

function parseRange(text: string, context: CallContext): Range {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const v6 = match?.[1].includes(':') ?? false;
  const address = match ? (v6 ? parseV6(match[1]) : parseV4(match[1])) : undefined;
  const bits = v6 ? 128 : 32;
  const prefix = Number(match?.[2]);
  if (address === undefined || prefix > bits)
    throw functionFailure(context.name, `the value '${text}' is not a valid IP address range in CIDR notation.`);
  const hostBits = BigInt(bits - prefix);
  return { v6, bits, prefix, network: (address >> hostBits) << hostBits };
}

const size = (range: Range) => 1n << BigInt(range.bits - range.prefix);

export const cidrFunctions: TemplateFunction[] = [
  define('parseCidr', 1, 1, (args, context) => {
    const range = parseRange(stringArg(context, args, 0), context);
    const last = range.network + size(range) - 1n;
    const mask = ((1n << BigInt(range.bits)) - 1n) ^ (size(range) - 1n);
    if (range.v6)
      return {
        network: format(range, range.network),
        netmask: format(range, mask),
        firstUsable: format(range, range.network),
        lastUsable: format(range, last),
        cidr: range.prefix,
      };
    const reserved = range.prefix < 31;
    return {
      network: format(range, range.network),
      netmask: format(range, mask),
      broadcast: format(range, last),
      firstUsable: format(range, reserved ? range.network + 1n : range.network),
      lastUsable: format(range, reserved ? last - 1n : last),
      cidr: range.prefix,
    };
  }),
  define('cidrSubnet', 3, 3, (args, context) => {
    const range = parseRange(stringArg(context, args, 0), context);
    const newPrefix = integerArg(context, args, 1);
    const index = integerArg(context, args, 2);
    if (newPrefix < range.prefix || newPrefix > range.bits)
      throw functionFailure(
        context.name,
        `the new CIDR '${newPrefix}' must be between ${range.prefix} and ${range.bits}.`,
      );
    const count = 1n << BigInt(newPrefix - range.prefix);
    if (index < 0 || BigInt(index) >= count)
      throw functionFailure(
        context.name,
        `the subnet index '${index}' is out of range: the range has ${count} subnets of /${newPrefix}.`,
      );
    const subnet = range.network + BigInt(index) * (1n << BigInt(range.bits - newPrefix));
    return `${format(range, subnet)}/${newPrefix}`;
  }),
  define('cidrHost', 2, 2, (args, context) => {
    const range = parseRange(stringArg(context, args, 0), context);
    const index = integerArg(context, args, 1);
    const usable = range.v6 ? size(range) - 1n : size(range) - 2n;
    if (index < 0 || BigInt(index) >= usable)
      throw functionFailure(
        context.name,
        `the host index '${index}' is out of range: the range has ${usable < 0n ? 0n : usable} usable addresses.`,
      );
    return format(range, range.network + BigInt(index) + 1n);
  }),
];
