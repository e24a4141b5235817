/**
 * A template's `vmProfile`: the build VM as Azure describes it (size, OS disk size, the identities it
 * carries, the virtual network it joins). Every field is kept and returned as given.
 *
 * - `vmSize` is what Kiln's build VMs get (the VM build mode's and the validate stage's): that size's
 *   vCPUs and memory from the host's VM size table (`virtualMachines.sizes`), as a VM of that size
 *   would (`buildVmSize`). A size the table lacks is refused at PUT and PATCH, as a VM's create
 *   refuses it, and again at the run when the table changed since. Azure's default, Standard_D1_v2,
 *   is the exception: the default table lacks it, and a template naming it (or no size) gets Kiln's
 *   modest build VM (imaging/guest/guest-vm.ts) unless the operator's table lists it.
 * - `osDiskSizeGB` (GiB; 0: the source's size) is the size the build's working disk is grown to,
 *   and so the image's (imaging/image-template/source-step.ts); smaller than the source fails the run.
 * - The identities and the network are recorded, not acted on; they are checked as Azure checks
 *   them, so a template that names a subnet or identity that does not exist is refused here as there:
 *   the subnets at PUT and PATCH (`requireVmProfile`, 400 naming the field), the identities with
 *   the template's other references (template-references.ts).
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { formatResourceId, parseResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { getResource } from '../shared/arm-resource.ts';
import { integerIn, isObject, refuseUnknownFields } from '../shared/validate.ts';
import { requireVmSize, vmSettings } from '../virtual-machines/capacity.ts';
import { findVmSize, type VmSize } from '../virtual-machines/vm-sizes.ts';
import { findSubnet, type VirtualNetwork } from '../virtual-networks/virtual-network.ts';
import { checkResourceId } from './template-fields.ts';

export interface VmProfile {
  vmSize: string;
  osDiskSizeGB: number;
  userAssignedIdentities?: string[];
  vnetConfig?: { subnetId?: string; containerInstanceSubnetId?: string; proxyVmSize?: string };
}

const AT = 'properties.vmProfile';
/** Azure's build VM size when a template names none. */
export const DEFAULT_BUILD_VM_SIZE = 'Standard_D1_v2';
const IDENTITY_TYPE = 'microsoft.managedidentity/userassignedidentities';
const SUBNET_TYPE = 'microsoft.network/virtualnetworks/subnets';

/** The profile a body gives, each bad field a problem at its JSON path. */
export function checkVmProfile(raw: unknown, problems: Problems): VmProfile {
  const given = isObject(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isObject(raw)) problems.add(AT, `'${AT}' must be an object.`);
  refuseUnknownFields(given, ['vmSize', 'osDiskSizeGB', 'userAssignedIdentities', 'vnetConfig'], AT, problems);
  const profile: VmProfile = {
    vmSize: typeof given.vmSize === 'string' && given.vmSize !== '' ? given.vmSize : DEFAULT_BUILD_VM_SIZE,
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
 * The size the template's build VM gets from the host's size table (`virtualMachines.sizes`);
 * undefined for Azure's default size when the table lacks it (the build VM is then Kiln's own
 * default). Any other size the table lacks is refused, naming the field, as a VM's create is.
 */
export function buildVmSize(ctx: Pick<DomainContext, 'settings'>, profile: VmProfile): VmSize | undefined {
  const target = `${AT}.vmSize`;
  const isDefault = profile.vmSize.toLowerCase() === DEFAULT_BUILD_VM_SIZE.toLowerCase();
  if (isDefault && !findVmSize(vmSettings(ctx).sizes, profile.vmSize)) return undefined;
  try {
    return requireVmSize(ctx, profile.vmSize, target);
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    throw new ArmError(error.status, error.code, `'${target}': ${error.message}`, target);
  }
}

/**
 * The profile as Azure checks it against what exists: its build VM size must be in the host's table
 * (`buildVmSize`); the subnets it names must exist, in the template's region (Azure's build VM joins
 * them there), and an isolated build's container subnet must be in the build VM's network.
 */
export async function requireVmProfile(ctx: DomainContext, profile: VmProfile, location: string): Promise<void> {
  const problems = new Problems();
  try {
    buildVmSize(ctx, profile);
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    problems.add(error.target!, error.message, error.code);
  }
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
