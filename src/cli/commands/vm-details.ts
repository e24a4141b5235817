/**
 * What `az vm show -d` adds to a VM (azure-cli's get_vm_details): its power state from the instance
 * view, and the addresses of its network interfaces and of their public IPs, each list joined with
 * commas; the instance view itself is left out, as az leaves it. `az vm create` prints its summary
 * from the same. Kiln's interfaces have no MAC address and its public IPs no DNS name, so
 * `macAddresses` and `fqdns` are empty, as az shows them for resources without.
 */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args } from '../arm/args.ts';
import { resourcePath } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { VM } from './vm-kinds.ts';

/** The parts of a VM (as the API returns it) the commands read. */
interface VirtualMachine {
  id: string;
  name: string;
  location: string;
  properties: {
    vmId: string;
    osProfile: { adminUsername: string };
    networkProfile: { networkInterfaces: Array<{ id: string }> };
    instanceView?: { statuses?: Array<{ code?: string; displayStatus?: string }> };
    [field: string]: unknown;
  };
}

interface NetworkInterface {
  properties: {
    macAddress?: string;
    ipConfigurations: Array<{ properties: { privateIPAddress?: string; publicIPAddress?: { id: string } } }>;
  };
}

interface PublicIPAddress {
  properties: { ipAddress?: string; dnsSettings?: { fqdn?: string } };
}

interface Addresses {
  publicIps: string[];
  privateIps: string[];
  macAddresses: string[];
  fqdns: string[];
}

/** The VM that -g and -n name. */
export const vmPath = (session: Session, args: Args) => resourcePath(VM, session.subscription, args);

/** The VM at `path` (its id), with its instance view when `instanceView`. */
export async function getVm(session: Session, path: string, instanceView = false): Promise<VirtualMachine> {
  return (await session.client.get(
    path,
    VM.apiVersion,
    instanceView ? { $expand: 'instanceView' } : undefined,
  )) as VirtualMachine;
}

/** The addresses of the VM's interfaces, in their order, then each interface's IP configurations'. */
export async function addressesOf(session: Session, vm: VirtualMachine): Promise<Addresses> {
  const found: Addresses = { publicIps: [], privateIps: [], macAddresses: [], fqdns: [] };
  for (const ref of vm.properties.networkProfile.networkInterfaces) {
    const nic = (await session.client.get(ref.id, API_VERSIONS.network)) as NetworkInterface;
    if (nic.properties.macAddress) found.macAddresses.push(nic.properties.macAddress);
    for (const { properties: config } of nic.properties.ipConfigurations) {
      if (config.privateIPAddress) found.privateIps.push(config.privateIPAddress);
      if (!config.publicIPAddress) continue;
      const ip = (await session.client.get(config.publicIPAddress.id, API_VERSIONS.network)) as PublicIPAddress;
      if (ip.properties.ipAddress) found.publicIps.push(ip.properties.ipAddress);
      if (ip.properties.dnsSettings?.fqdn) found.fqdns.push(ip.properties.dnsSettings.fqdn);
    }
  }
  return found;
}

/** `VM running`, as az shows it: the display status of the instance view's PowerState statuses. */
const powerStateOf = (vm: VirtualMachine) =>
  (vm.properties.instanceView?.statuses ?? [])
    .filter((status) => status.code?.startsWith('PowerState/'))
    .map((status) => status.displayStatus)
    .join(',');

/** The VM at `path` as `az vm show -d` prints it. */
export async function vmWithDetails(session: Session, path: string) {
  const vm = await getVm(session, path, true);
  const { publicIps, privateIps, macAddresses, fqdns } = await addressesOf(session, vm);
  const { instanceView: _, ...properties } = vm.properties;
  return {
    ...vm,
    properties,
    powerState: powerStateOf(vm),
    publicIps: publicIps.join(','),
    fqdns: fqdns.join(','),
    privateIps: privateIps.join(','),
    macAddresses: macAddresses.join(','),
  };
}

/** What `az vm create` prints once the VM runs. */
export async function createSummary(session: Session, args: Args) {
  const vm = await vmWithDetails(session, vmPath(session, args));
  return {
    fqdns: vm.fqdns,
    id: vm.id,
    location: vm.location,
    macAddress: vm.macAddresses,
    powerState: vm.powerState,
    privateIpAddress: vm.privateIps,
    publicIpAddress: vm.publicIps,
    resourceGroup: args.required('resource-group'),
  };
}
