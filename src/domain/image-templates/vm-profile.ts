/**
 * A template's `vmProfile`: the build VM as Azure describes it (size, OS disk size, the identities it
 * carries, the virtual network it joins). Every field is kept and returned as given. Kiln's build VMs
 * (the VM build mode, validation) take their size and network from the operator's settings, so the
 * size, the identities and the network are recorded, not acted on; they are checked as Azure checks
 * them, so a template that names a subnet or identity that does not exist is refused here as there:
 * the subnets at PUT and PATCH (`requireVmProfileNetwork`, 400 naming the field), the identities with
 * the template's other references (template-references.ts).
 */
import { Problems } from '../../core/arm-error.ts';
import { formatResourceId, parseResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { getResource } from '../shared/arm-resource.ts';
import { integerIn, isObject, refuseUnknownFields } from '../shared/validate.ts';
import { findSubnet, type VirtualNetwork } from '../virtual-networks/virtual-network.ts';
import { checkResourceId } from './template-fields.ts';

export interface VmProfile {
  vmSize: string;
  osDiskSizeGB: number;
  userAssignedIdentities?: string[];
  vnetConfig?: { subnetId?: string; containerInstanceSubnetId?: string; proxyVmSize?: string };
}

const AT = 'properties.vmProfile';
const IDENTITY_TYPE = 'microsoft.managedidentity/userassignedidentities';
const SUBNET_TYPE = 'microsoft.network/virtualnetworks/subnets';

/** The profile a body gives, each bad field a problem at its JSON path. */
export function checkVmProfile(raw: unknown, problems: Problems): VmProfile {
  const given = isObject(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isObject(raw)) problems.add(AT, `'${AT}' must be an object.`);
  refuseUnknownFields(given, ['vmSize', 'osDiskSizeGB', 'userAssignedIdentities', 'vnetConfig'], AT, problems);
  const profile: VmProfile = {
    vmSize: typeof given.vmSize === 'string' && given.vmSize !== '' ? given.vmSize : 'Standard_D1_v2',
    osDiskSizeGB: integerIn(given.osDiskSizeGB, 0, 4095, `${AT}.osDiskSizeGB`, problems) ?? 0,
  };
  if (given.userAssignedIdentities !== undefined && given.userAssignedIdentities !== null) {
    const ids = Array.isArray(given.userAssignedIdentities) ? given.userAssignedIdentities : [undefined];
    ids.forEach((id, i) => checkResourceId(id, IDENTITY_TYPE, `${AT}.userAssignedIdentities[${i}]`, problems));
    profile.userAssignedIdentities = ids.filter((id): id is string => typeof id === 'string');
  }
  if (given.vnetConfig !== undefined && given.vnetConfig !== null) {
    const vnet = isObject(given.vnetConfig) ? given.vnetConfig : {};
    const at = `${AT}.vnetConfig`;
    refuseUnknownFields(vnet, ['subnetId', 'containerInstanceSubnetId', 'proxyVmSize'], at, problems);
    const config: NonNullable<VmProfile['vnetConfig']> = {};
    for (const field of ['subnetId', 'containerInstanceSubnetId'] as const)
      if (vnet[field] !== undefined && vnet[field] !== null && vnet[field] !== '')
        config[field] = checkResourceId(vnet[field], SUBNET_TYPE, `${at}.${field}`, problems);
    if (typeof vnet.proxyVmSize === 'string' && vnet.proxyVmSize !== '') config.proxyVmSize = vnet.proxyVmSize;
    // Azure's rules: an isolated build's subnet comes with the build VM's, and needs no proxy VM.
    if (config.containerInstanceSubnetId && !config.subnetId)
      problems.add(`${at}.subnetId`, `'${at}.containerInstanceSubnetId' may only be given with '${at}.subnetId'.`);
    if (config.containerInstanceSubnetId && config.proxyVmSize)
      problems.add(
        `${at}.proxyVmSize`,
        `'${at}.proxyVmSize' must not be given with '${at}.containerInstanceSubnetId': an isolated build has no proxy VM.`,
      );
    profile.vnetConfig = config;
  }
  return profile;
}

/**
 * The subnets the profile names must exist, in the template's region (Azure's build VM joins them
 * there), and an isolated build's container subnet must be in the build VM's network.
 */
export async function requireVmProfileNetwork(ctx: DomainContext, profile: VmProfile, location: string): Promise<void> {
  const problems = new Problems();
  const at = `${AT}.vnetConfig`;
  const networks: string[] = [];
  for (const field of ['subnetId', 'containerInstanceSubnetId'] as const) {
    const given = profile.vnetConfig?.[field];
    const id = given ? parseResourceId(given) : undefined;
    if (!id) continue;
    const networkId = formatResourceId({ ...id, types: id.types.slice(0, 1) });
    networks.push(networkId.toLowerCase());
    const network = (await getResource<VirtualNetwork, unknown>(ctx, networkId))?.data.resource;
    if (!network || !findSubnet(network, id.types[1][1]))
      problems.add(`${at}.${field}`, `The subnet '${given}' was not found; create it before the template.`);
    else if (network.location !== location)
      problems.add(
        `${at}.${field}`,
        `The subnet '${given}' is in '${network.location}'; it must be in the template's region '${location}'.`,
      );
  }
  if (networks.length === 2 && networks[0] !== networks[1])
    problems.add(
      `${at}.containerInstanceSubnetId`,
      `'${at}.containerInstanceSubnetId' must be in the virtual network of '${at}.subnetId'.`,
    );
  problems.throwIfAny();
}

/** A vmProfile identity that does not exist, as the template's own identity is refused (template-references.ts). */
export function vmProfileIdentities(profile: VmProfile): Array<{ id: string; target: string }> {
  return (profile.userAssignedIdentities ?? []).map((id, i) => ({ id, target: `${AT}.userAssignedIdentities[${i}]` }));
}
