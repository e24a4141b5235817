/**
 * The resource types `kiln vm` works with: virtual machines, and the Microsoft.Network types
 * `vm create` makes for a VM when it is not given them (as `az vm create` does).
 */
import { API_VERSIONS } from '../arm/api-versions.ts';
import { namedKind } from '../arm/resources.ts';

export const VM = namedKind({
  command: 'vm',
  noun: 'virtual machine',
  provider: 'Microsoft.Compute',
  apiVersion: API_VERSIONS.virtualMachines,
  collection: 'virtualMachines',
  example: 'MyVm',
});

const network = (collection: string, noun: string) =>
  namedKind({
    command: 'vm',
    noun,
    provider: 'Microsoft.Network',
    apiVersion: API_VERSIONS.network,
    collection,
    example: '',
  });

export const VNET = network('virtualNetworks', 'virtual network');
export const NSG = network('networkSecurityGroups', 'network security group');
export const PUBLIC_IP = network('publicIPAddresses', 'public IP address');
export const NIC = network('networkInterfaces', 'network interface');
