/** Checks a public IP address PUT body, reporting every bad field at once with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { arrayAt, checkEnvelope, refuseOtherMembers } from '../network/fields.ts';
import { enumValue, integerIn, objectAt } from '../shared/validate.ts';
import { ALLOCATION_METHODS, SKUS, type PublicIPAddress } from './public-ip-address.ts';

export interface PublicIPAddressSpec {
  location: string;
  tags?: Record<string, string>;
  sku: PublicIPAddress['sku']['name'];
  zones?: string[];
  allocationMethod: PublicIPAddress['properties']['publicIPAllocationMethod'];
  idleTimeoutInMinutes: number;
  /** An address the body names, which must be the one the resource already holds. */
  ipAddress?: string;
}

export function validatePublicIPAddressBody(
  ctx: DomainContext,
  body: Record<string, unknown>,
  id: string,
): PublicIPAddressSpec {
  const problems = new Problems();
  const { location, tags, props } = checkEnvelope(ctx, body, problems, ['sku', 'zones']);
  const sku = objectAt(body.sku, 'sku', problems) ?? {};
  refuseOtherMembers(sku, 'sku', ['name', 'tier'], problems);
  enumValue(sku.tier, ['Regional'] as const, 'sku.tier', problems);
  refuseOtherMembers(
    props,
    'properties',
    ['publicIPAllocationMethod', 'publicIPAddressVersion', 'idleTimeoutInMinutes', 'ipAddress', 'ipTags'],
    problems,
    ['ipConfiguration'],
  );
  // Answered as [] (what a GET sends back); tags were let through and dropped.
  if (arrayAt(props.ipTags, 'properties.ipTags', problems).length > 0)
    problems.add(
      'properties.ipTags',
      "Kiln's public IP addresses are loopback addresses of this host, which carry no IP tags (routing preference, first-party usage): 'properties.ipTags' must be empty.",
      'PropertyNotSupported',
    );
  // Kiln's addresses are loopback addresses of this host: IPv4.
  enumValue(props.publicIPAddressVersion, ['IPv4'] as const, 'properties.publicIPAddressVersion', problems);
  const spec: PublicIPAddressSpec = {
    location,
    tags,
    sku: enumValue(sku.name, SKUS, 'sku.name', problems) ?? 'Basic',
    allocationMethod:
      enumValue(props.publicIPAllocationMethod, ALLOCATION_METHODS, 'properties.publicIPAllocationMethod', problems) ??
      'Dynamic',
    idleTimeoutInMinutes:
      integerIn(props.idleTimeoutInMinutes, 4, 30, 'properties.idleTimeoutInMinutes', problems) ?? 4,
  };
  const zones = arrayAt(body.zones, 'zones', problems);
  zones.forEach((zone, i) => {
    if (!['1', '2', '3'].includes(zone as string))
      problems.add(
        `zones[${i}]`,
        `The value '${String(zone)}' of 'zones[${i}]' is not valid. Allowed values: 1, 2, 3.`,
      );
  });
  if (zones.length > 0) spec.zones = zones as string[];
  if (typeof props.ipAddress === 'string') spec.ipAddress = props.ipAddress;
  else if (props.ipAddress !== undefined && props.ipAddress !== null)
    problems.add('properties.ipAddress', "'properties.ipAddress' must be a string.");
  if (spec.sku === 'Standard' && spec.allocationMethod === 'Dynamic')
    problems.add(
      'properties.publicIPAllocationMethod',
      `Standard sku publicIp ${id} must have AllocationMethod set to Static.`,
      'StandardSkuPublicIPAddressesMustBeStatic',
    );
  problems.throwIfAny();
  return spec;
}
