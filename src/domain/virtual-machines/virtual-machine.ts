/**
 * Microsoft.Compute/virtualMachines. A VM runs on the Kiln host that started it, booted by the VM
 * driver from its OS disk, a `Microsoft.Compute/disks` made `FromImage` when the VM is created and
 * named by `storageProfile.osDisk.managedDisk.id` (`managedBy` on the disk points back).
 *
 * What the resource shows and what only Kiln keeps:
 *  - `properties` as Azure returns them; `osProfile.adminPassword` and `osProfile.customData` are
 *    kept in `internal` only (Azure never returns them either), and only until the first boot has
 *    provisioned the VM.
 *  - `internal.power` is the state the user last asked for and the host reached: `running`,
 *    `stopped` (powered off, still allocated), `deallocated`; `starting`, `stopping` and
 *    `deallocating` while a job moves it. After a Kiln restart, VMs whose state is `running` or
 *    `starting` are started again.
 *  - `internal.generalized`: set by `generalize`, which Azure requires before a VM is captured into
 *    a managed image or a gallery version.
 *  - Data disks (`storageProfile.dataDisks`) are `Microsoft.Compute/disks` too, each at its own LUN,
 *    named by `managedDisk.id` and naming the VM back (`managedBy`) from the request that attaches
 *    them, or from their making by the VM's job (`Empty`, `FromImage`); `internal.detaching` names
 *    those a request let go that the VM's job has yet to unplug, write back and release.
 */
import type { ResourceId } from '../../core/resource-id.ts';
import type { OperationData } from '../operations/operation.ts';
import type { ArmResource, OwnedBlob, ResourceRecord } from '../shared/arm-resource.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';

export const VIRTUAL_MACHINE_KIND = 'microsoft.compute/virtualmachines';

export const DELETE_OPTIONS = ['Delete', 'Detach'] as const;
export type DeleteOption = (typeof DELETE_OPTIONS)[number];
export const CACHING = ['None', 'ReadOnly', 'ReadWrite'] as const;
export type Caching = (typeof CACHING)[number];
export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface ImageReference {
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  /** The version `latest` resolved to (platform images, shared and community gallery images), as Azure shows it. */
  exactVersion?: string;
  id?: string;
  /** A direct shared gallery's image or version: `/SharedGalleries/{uniqueName}/Images/{image}[/Versions/{version}]`. */
  sharedGalleryImageId?: string;
  /** A community gallery's image or version: `/CommunityGalleries/{publicName}/Images/{image}[/Versions/{version}]`. */
  communityGalleryImageId?: string;
}

export interface SshPublicKey {
  path: string;
  keyData: string;
}

/** A data disk as Azure shows it: the disk at `managedDisk.id` at LUN `lun`. */
export interface DataDisk {
  lun: number;
  name: string;
  /** How it came to the VM: made empty or from the image's data disk at this LUN, or an existing disk attached. */
  createOption: 'Empty' | 'FromImage' | 'Attach';
  caching: Caching;
  managedDisk: { storageAccountType: string; id: string };
  deleteOption: DeleteOption;
  diskSizeGB?: number;
  /** As a request gave it (false only). */
  writeAcceleratorEnabled?: false;
  toBeDetached: boolean;
}

export interface VirtualMachine extends ArmResource {
  location: string;
  properties: {
    vmId: string;
    hardwareProfile: { vmSize: string };
    storageProfile: {
      imageReference: ImageReference;
      osDisk: {
        osType: 'Linux';
        name: string;
        createOption: 'FromImage';
        caching: Caching;
        managedDisk: { storageAccountType: string; id: string };
        deleteOption: DeleteOption;
        diskSizeGB?: number;
      };
      dataDisks: DataDisk[];
    };
    osProfile: {
      computerName: string;
      adminUsername: string;
      linuxConfiguration: {
        disablePasswordAuthentication: boolean;
        ssh?: { publicKeys: SshPublicKey[] };
        provisionVMAgent: boolean;
      };
      secrets: [];
      allowExtensionOperations: boolean;
      requireGuestProvisionSignal: boolean;
    };
    networkProfile: {
      networkInterfaces: Array<{ id: string; properties: { primary?: boolean; deleteOption: DeleteOption } }>;
    };
    diagnosticsProfile: { bootDiagnostics: { enabled: boolean } };
    provisioningState: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';
    timeCreated: string;
  };
}

export interface VirtualMachineInternal {
  power: PowerState;
  generalized: boolean;
  /** Decoded `osProfile.customData`, handed to cloud-init; never returned. */
  customData?: string;
  adminPassword?: string;
  /** The operation a job is finishing (create, a power action, delete), to end it when the job ends. */
  operation?: OperationData;
  /** Why the last job failed, for the instance view. */
  failure?: string;
  /** Where the running VM's serial console is written on its host (boot diagnostics). */
  serialLog?: string;
  /** The host address and the guest ports published there, while running. */
  reachable?: { address: string; ports: number[] };
  /** Blobs it owns (its boot diagnostics), deleted with it. */
  blobs?: OwnedBlob[];
  /** Ids of the data disks a request took off the VM that still name it: its job unplugs, writes back and releases each. */
  detaching?: string[];
  /**
   * Kiln's agent's private key in the guest (run command), kept from its first boot so that any node
   * that boots it later reaches the same account; a secret, never returned.
   */
  agentKey?: string;
  /** The node that holds its disk files and runs it (placement.ts); none before its first boot and once deallocated. */
  node?: string;
  /** The last time its node died and another took it over (placement.ts), for the instance view. */
  takenOver?: { from: string; to: string; at: string; restarted: boolean };
}

export type VirtualMachineRecord = ResourceRecord<VirtualMachine, VirtualMachineInternal>;

export const virtualMachineId = (ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Compute',
  types: [['virtualMachines', ref.name]],
});

/** Where a VM's serial console is copied for its readers; the VM owns it from its creation (boot-diagnostics.ts). */
export const bootDiagnosticsBlob = (vm: VirtualMachine): OwnedBlob => ({
  region: vm.location,
  key: `bootdiagnostics/${vm.properties.vmId}/serial.log`,
});
