/**
 * A VM's instance view as Azure shapes it: the provisioning state and the power state as statuses
 * (`ProvisioningState/succeeded`, `PowerState/running`, ...), `OSState/generalized` once generalized,
 * the status of each of its disks (the OS disk, then its data disks), its generation, and the reason
 * of the last failure, and the last time a node took it over from a node that died (placement.ts:
 * Kiln's own status, as Azure's Resource Health reports a service healing).
 */
import type { DiskRecord } from '../disks/disk.ts';
import { osDiskId } from './machine-jobs.ts';
import type { PowerState, VirtualMachineInternal, VirtualMachineRecord } from './virtual-machine.ts';

interface InstanceViewStatus {
  code: string;
  level: 'Info' | 'Warning' | 'Error';
  displayStatus: string;
  message?: string;
  time?: string;
}

const POWER_DISPLAY: Record<PowerState, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

/** `disks`: the VM's disks that exist, its OS disk first. */
export function instanceView(record: VirtualMachineRecord, disks: DiskRecord[]) {
  const osId = osDiskId(record.data.resource).toLowerCase();
  const os = disks.find((disk) => disk.data.resource.id.toLowerCase() === osId);
  const vm = record.data.resource;
  const { power, generalized, failure, takenOver } = record.data.internal;
  const state = vm.properties.provisioningState;
  const provisioning: InstanceViewStatus = {
    code: `ProvisioningState/${state.toLowerCase()}`,
    level: state === 'Failed' ? 'Error' : 'Info',
    displayStatus: `Provisioning ${state === 'Succeeded' ? 'succeeded' : state === 'Failed' ? 'failed' : state.toLowerCase()}`,
    ...(failure ? { message: failure } : {}),
    time: vm.properties.timeCreated,
  };
  const statuses: InstanceViewStatus[] = [
    provisioning,
    { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER_DISPLAY[power] },
    ...(generalized ? [{ code: 'OSState/generalized', level: 'Info' as const, displayStatus: 'VM generalized' }] : []),
    ...(takenOver ? [takenOverStatus(takenOver)] : []),
  ];
  return {
    computerName: vm.properties.osProfile.computerName,
    osName: 'Linux',
    ...(os?.data.resource.properties.hyperVGeneration
      ? { hyperVGeneration: os.data.resource.properties.hyperVGeneration }
      : {}),
    disks: disks.map((disk) => ({
      name: disk.data.resource.name,
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }],
    })),
    bootDiagnostics: {},
    statuses,
  };
}

function takenOverStatus({
  from,
  to,
  at,
  restarted,
}: NonNullable<VirtualMachineInternal['takenOver']>): InstanceViewStatus {
  return {
    code: 'Kiln/NodeTakenOver',
    level: 'Warning',
    displayStatus: restarted ? 'VM restarted on another node' : 'VM moved to another node',
    message: `The node ${from} that ran the VM stopped answering; node ${to} took the VM over${
      restarted
        ? ' and started it again from its disks as they were last written back (when the VM last stopped): writes since then were lost with that node'
        : ''
    }.`,
    time: at,
  };
}
