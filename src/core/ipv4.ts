/**
 * IPv4 addresses and CIDR blocks as plain numbers (0 to 2^32 - 1), for address-space checks and
 * allocation. Only the dotted-quad spelling is an address: four decimal parts of 0 to 255 with no
 * leading zeros, so `010.0.0.1` (octal to some parsers) is not one.
 */

export interface Ipv4Block {
  /** The block's first address. */
  start: number;
  prefixLength: number;
}

const PART = /^(0|[1-9]\d{0,2})$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => PART.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** `a.b.c.d/n` as written: its address (host bits may be set) and prefix length; undefined when malformed. */
export function parseCidr(text: string): { address: number; prefixLength: number } | undefined {
  const match = /^([^/]+)\/(0|[1-9]\d?)$/.exec(text);
  const address = match ? parseIpv4(match[1]) : undefined;
  const prefixLength = match ? Number(match[2]) : NaN;
  if (address === undefined || prefixLength > 32) return undefined;
  return { address, prefixLength };
}

export const blockSize = (prefixLength: number): number => 2 ** (32 - prefixLength);

/** The block `address/prefixLength` lies in (its host bits cleared). */
export function blockOf(address: number, prefixLength: number): Ipv4Block {
  return { start: address - (address % blockSize(prefixLength)), prefixLength };
}

export const formatBlock = (block: Ipv4Block): string => `${formatIpv4(block.start)}/${block.prefixLength}`;

export const lastAddress = (block: Ipv4Block): number => block.start + blockSize(block.prefixLength) - 1;

export const blockContains = (block: Ipv4Block, address: number): boolean =>
  address >= block.start && address <= lastAddress(block);

export const blockWithin = (inner: Ipv4Block, outer: Ipv4Block): boolean =>
  blockContains(outer, inner.start) && blockContains(outer, lastAddress(inner));

export const blocksOverlap = (a: Ipv4Block, b: Ipv4Block): boolean =>
  a.start <= lastAddress(b) && b.start <= lastAddress(a);
