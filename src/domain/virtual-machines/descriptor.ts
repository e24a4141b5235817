/** Microsoft.Compute/virtualMachines, and the VM sizes and run commands of a location. */
import { COMPUTE_RP_API_VERSIONS } from '../images/descriptor.ts';
import { inResourceGroup, type ResourceTypeDescriptor, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const VIRTUAL_MACHINE_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Compute/virtualMachines'),
  tracking: 'tracked',
  // Virtual machines are in every ComputeRP version (virtualMachine.json); the same list as images.
  apiVersions: COMPUTE_RP_API_VERSIONS,
  references: [
    // A platform image needs no access; a managed image or gallery image or version needs read.
    {
      field: 'properties.storageProfile.imageReference.id',
      needs: 'read',
      unchecked: ['microsoft.compute/locations/publishers/artifacttypes/offers/skus/versions'],
    },
    // Azure's rule: attaching an interface needs its join action.
    {
      field: 'properties.networkProfile.networkInterfaces[].id',
      needs: 'Microsoft.Network/networkInterfaces/join/action',
    },
    // Attaching a disk changes it (it names the VM) and hands the VM its bytes: write on the disk.
    { field: 'properties.storageProfile.dataDisks[].managedDisk.id', needs: 'Microsoft.Compute/disks/write' },
  ],
};

/** The sizes VMs of a location can have (`az vm list-sizes`). */
export const VM_SIZES_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/vmSizes',
  tracking: 'none',
  apiVersions: COMPUTE_RP_API_VERSIONS,
  collections: ['/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/vmSizes'],
  references: [],
};

/** The built-in run commands of a location (`az vm run-command list/show`); Readers may read them. */
export const RUN_COMMANDS_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/runCommands',
  tracking: 'none',
  apiVersions: COMPUTE_RP_API_VERSIONS,
  path: '/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/runCommands/{commandId}',
  collections: ['/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/runCommands'],
  references: [],
};
