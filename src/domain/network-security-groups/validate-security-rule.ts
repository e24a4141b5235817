/**
 * Checks a security rule's `properties` as NRP does, each problem at its JSON path with NRP's code:
 * a priority from 100 to 4096 (`SecurityRuleInvalidPriority`) that no other rule of the same direction
 * has (`SecurityRuleConflict`), port ranges of 0 to 65535 (`SecurityRuleInvalidPortRange`), address
 * prefixes that are IPv4 addresses, CIDR blocks or service tags (`SecurityRuleInvalidAddressPrefix`),
 * tags only in the singular fields (`SecurityRuleParameterContainsUnsupportedValue`).
 */
import type { Problems } from '../../core/arm-error.ts';
import { blockOf, parseCidr, parseIpv4 } from '../../core/ipv4.ts';
import { arrayAt, refuseOtherMembers, requiredObjectAt, stringAt } from '../network/fields.ts';
import { requiredEnum } from '../shared/validate.ts';
import { ACCESSES, DIRECTIONS, PROTOCOLS, type SecurityRuleProperties } from './network-security-group.ts';

/** The service tags Kiln's rules can act on (any source, the network, Azure's load balancer). */
const TAGS = ['*', 'VirtualNetwork', 'Internet', 'AzureLoadBalancer'];

export const MIN_PRIORITY = 100;
export const MAX_PRIORITY = 4096;

/** Each singular field and its plural: a rule gives one of the two. */
const PAIRS = {
  sourcePorts: ['sourcePortRange', 'sourcePortRanges'],
  destinationPorts: ['destinationPortRange', 'destinationPortRanges'],
  sources: ['sourceAddressPrefix', 'sourceAddressPrefixes'],
  destinations: ['destinationAddressPrefix', 'destinationAddressPrefixes'],
} as const;

type Check = (value: string, at: string, plural: boolean) => string | undefined;

function portRange(problems: Problems): Check {
  return (value, at, plural) => {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
    const [low, high] = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [];
    if ((value === '*' && !plural) || (match && low! <= high! && high! <= 65535)) return value;
    problems.add(
      at,
      `Security rule has invalid Port range. Value provided: ${value}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.${value === '*' ? " ('*' goes in the singular field.)" : ''}`,
      'SecurityRuleInvalidPortRange',
    );
    return undefined;
  };
}

function addressPrefix(problems: Problems, ruleId: string, field: string): Check {
  return (value, at, plural) => {
    const tag = TAGS.find((t) => t.toLowerCase() === value.toLowerCase());
    if (tag && !plural) return tag;
    if (tag) {
      problems.add(
        at,
        `Security rule parameter ${field} for rule with Id ${ruleId} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${value}.`,
        'SecurityRuleParameterContainsUnsupportedValue',
      );
      return undefined;
    }
    const cidr = parseCidr(value);
    if (parseIpv4(value) !== undefined || (cidr && blockOf(cidr.address, cidr.prefixLength).start === cidr.address))
      return value;
    problems.add(
      at,
      `Security rule has invalid Address prefix. Value provided: ${value}. Kiln takes IPv4 addresses, IPv4 CIDR blocks and the tags ${TAGS.join(', ')}.`,
      'SecurityRuleInvalidAddressPrefix',
    );
    return undefined;
  };
}

/** A singular field (`sourcePortRange`) or its plural (`sourcePortRanges`): one of them, each value checked. */
function eitherField(
  raw: Record<string, unknown>,
  [singular, plural]: readonly [string, string],
  target: string,
  check: Check,
  problems: Problems,
): { one?: string; many: string[] } {
  const one = stringAt(raw[singular], `${target}.${singular}`, problems);
  const many = arrayAt(raw[plural], `${target}.${plural}`, problems);
  if ((one === undefined || one === '') === (many.length === 0)) {
    problems.add(
      `${target}.${singular}`,
      many.length === 0
        ? `Required parameter '${target}.${singular}' is missing (null): give it or '${target}.${plural}'.`
        : `Specify either '${target}.${singular}' or '${target}.${plural}', not both.`,
    );
    return { many: [] };
  }
  if (one !== undefined && one !== '') return { one: check(one, `${target}.${singular}`, false), many: [] };
  return {
    many: many.flatMap((value, i) => {
      const at = `${target}.${plural}[${i}]`;
      if (typeof value === 'string') return check(value, at, true) ?? [];
      problems.add(at, `'${at}' must be a string.`);
      return [];
    }),
  };
}

export function checkSecurityRuleProperties(
  given: unknown,
  target: string,
  ruleId: string,
  problems: Problems,
): SecurityRuleProperties | undefined {
  const raw = requiredObjectAt(given, target, problems);
  if (!raw) return undefined;
  refuseOtherMembers(
    raw,
    target,
    ['description', 'protocol', ...Object.values(PAIRS).flat(), 'access', 'priority', 'direction'],
    problems,
  );
  const count = problems.count;
  const protocol = requiredEnum(raw.protocol, PROTOCOLS, `${target}.protocol`, problems);
  const access = requiredEnum(raw.access, ACCESSES, `${target}.access`, problems);
  const direction = requiredEnum(raw.direction, DIRECTIONS, `${target}.direction`, problems);
  const description = stringAt(raw.description, `${target}.description`, problems, 140);
  const priority = raw.priority;
  if (priority === undefined || priority === null)
    problems.add(`${target}.priority`, `Required parameter '${target}.priority' is missing (null).`);
  else if (!Number.isInteger(priority) || (priority as number) < MIN_PRIORITY || (priority as number) > MAX_PRIORITY)
    problems.add(
      `${target}.priority`,
      `Security rule has invalid Priority. Value provided: ${String(priority)} Allowed range ${MIN_PRIORITY}-${MAX_PRIORITY}.`,
      'SecurityRuleInvalidPriority',
    );
  const ports = portRange(problems);
  const sourcePorts = eitherField(raw, PAIRS.sourcePorts, target, ports, problems);
  const destinationPorts = eitherField(raw, PAIRS.destinationPorts, target, ports, problems);
  const prefixes = (pair: readonly [string, string]) =>
    eitherField(
      raw,
      pair,
      target,
      addressPrefix(problems, ruleId, pair[0][0].toUpperCase() + pair[0].slice(1)),
      problems,
    );
  const sources = prefixes(PAIRS.sources);
  const destinations = prefixes(PAIRS.destinations);
  if (problems.count > count) return undefined;
  return {
    provisioningState: 'Succeeded',
    ...(description !== undefined ? { description } : {}),
    protocol: protocol!,
    ...(sourcePorts.one !== undefined ? { sourcePortRange: sourcePorts.one } : {}),
    ...(destinationPorts.one !== undefined ? { destinationPortRange: destinationPorts.one } : {}),
    ...(sources.one !== undefined ? { sourceAddressPrefix: sources.one } : {}),
    ...(destinations.one !== undefined ? { destinationAddressPrefix: destinations.one } : {}),
    sourcePortRanges: sourcePorts.many,
    destinationPortRanges: destinationPorts.many,
    sourceAddressPrefixes: sources.many,
    destinationAddressPrefixes: destinations.many,
    access: access!,
    priority: priority as number,
    direction: direction!,
  };
}

/** Rules of one group: no two of the same direction share a priority; the later one is reported. */
export function checkRuleConflicts(
  rules: Array<{ name: string; target: string; properties: SecurityRuleProperties }>,
  problems: Problems,
): void {
  rules.forEach((rule, i) => {
    const earlier = rules
      .slice(0, i)
      .find(
        (other) =>
          other.properties.priority === rule.properties.priority &&
          other.properties.direction === rule.properties.direction,
      );
    if (earlier)
      problems.add(
        `${rule.target}.priority`,
        `Security rule ${rule.name} conflicts with rule ${earlier.name}. Rules cannot have the same Priority and Direction.`,
        'SecurityRuleConflict',
      );
  });
}
