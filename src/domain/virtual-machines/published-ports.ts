/**
 * Which guest TCP ports a VM publishes on its public IP's loopback address: those its network
 * security group lets in from the Internet (the host's own clients stand for the Internet), judged
 * as NSG rules are, lowest priority number first, the first rule that matches deciding. The ports
 * named by Allow rules are the candidates (a range up to 64 ports expanded); a VM without a group
 * lets everything in, as on Azure, and publishes SSH. At most `MAX_PORTS`, lowest first.
 */
import type { SecurityRule } from '../network-security-groups/network-security-group.ts';

const SSH = 22;
const MAX_RANGE = 64;
export const MAX_PORTS = 32;
/** Sources that never stand for a client on the host. */
const NOT_FROM_HOST = ['virtualnetwork', 'azureloadbalancer'];

export function publishedPorts(rules: readonly SecurityRule[] | undefined): number[] {
  if (!rules) return [SSH];
  const inbound = rules
    .filter((rule) => rule.properties.direction === 'Inbound' && ['Tcp', '*'].includes(rule.properties.protocol))
    .filter((rule) => fromHost(rule))
    .sort((a, b) => a.properties.priority - b.properties.priority);
  const candidates = new Set<number>();
  for (const rule of inbound)
    if (rule.properties.access === 'Allow') for (const port of explicitPorts(rule)) candidates.add(port);
  return [...candidates]
    .filter(
      (port) =>
        inbound.find((rule) => ranges(rule).some(([from, to]) => port >= from && port <= to))?.properties.access ===
        'Allow',
    )
    .sort((a, b) => a - b)
    .slice(0, MAX_PORTS);
}

function fromHost(rule: SecurityRule): boolean {
  const { sourceAddressPrefix, sourceAddressPrefixes } = rule.properties;
  const sources = [...(sourceAddressPrefix ? [sourceAddressPrefix] : []), ...sourceAddressPrefixes];
  return sources.length === 0 || sources.some((source) => !NOT_FROM_HOST.includes(source.toLowerCase()));
}

/** The rule's destination port ranges as [from, to]; `*` is every port. */
function ranges(rule: SecurityRule): Array<[number, number]> {
  const { destinationPortRange, destinationPortRanges } = rule.properties;
  return [...(destinationPortRange ? [destinationPortRange] : []), ...destinationPortRanges].map((range) => {
    if (range === '*') return [0, 65535];
    const [from, to = from] = range.split('-').map(Number);
    return [from, to];
  });
}

/** Ports a rule names one by one or in a short range: `*` names none (SSH stands for it). */
function explicitPorts(rule: SecurityRule): number[] {
  return ranges(rule).flatMap(([from, to]) =>
    from === 0 && to === 65535
      ? [SSH]
      : to - from < MAX_RANGE
        ? Array.from({ length: to - from + 1 }, (_, i) => from + i)
        : [],
  );
}
