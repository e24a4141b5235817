/**
 * A virtual machine as the portal reads it: the fields its pages show, its power state from the
 * instance view (`PowerState/running`), and which power actions each state allows. A VM is busy
 * while Kiln's job moves it (provisioning Creating, Updating or Deleting, or powering on or off):
 * pages poll it then, and stop once it settles.
 */
export interface InstanceStatus {
  code: string;
  displayStatus?: string;
  message?: string;
}

export interface InstanceView {
  osName?: string;
  computerName?: string;
  statuses?: InstanceStatus[];
}

export interface ImageReference {
  id?: string;
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  exactVersion?: string;
}

export interface VirtualMachine {
  id: string;
  name: string;
  location: string;
  properties: {
    provisioningState: string;
    hardwareProfile: { vmSize: string };
    storageProfile: { imageReference?: ImageReference; osDisk?: { osType?: string } };
    osProfile?: { computerName?: string; adminUsername?: string };
    networkProfile?: { networkInterfaces?: { id: string }[] };
    instanceView?: InstanceView;
  };
}

export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface PowerAction {
  /** The POST action of the VM's id, and its RBAC action's middle part. */
  action: 'start' | 'powerOff' | 'restart' | 'deallocate';
  label: string;
  /** What the VM is once it is done: `vm1 stopped`. */
  done: string;
  /** The states it is offered in. */
  from: readonly PowerState[];
  /** Asked before running: it interrupts what the VM is doing. */
  question?: string;
}

export const POWER_ACTIONS: readonly PowerAction[] = [
  { action: 'start', label: 'Start', done: 'started', from: ['stopped', 'deallocated'] },
  {
    action: 'powerOff',
    label: 'Stop',
    done: 'stopped',
    from: ['running'],
    question: 'The guest is asked to shut down, then powered off. The VM keeps its vCPUs and memory.',
  },
  {
    action: 'restart',
    label: 'Restart',
    done: 'restarted',
    from: ['running'],
    question: 'The guest is shut down and booted again.',
  },
  {
    action: 'deallocate',
    label: 'Deallocate',
    done: 'deallocated',
    from: ['running', 'stopped'],
    question: 'The guest is shut down and the VM lets its vCPUs and memory go until it starts again.',
  },
];

export const vmsIn = (subscription: string) =>
  `/subscriptions/${subscription}/providers/Microsoft.Compute/virtualMachines`;

/** The VM with its instance view, as `$expand=instanceView` answers. */
export const withInstanceView = (id: string) => `${id}?$expand=instanceView`;

/** The power state the instance view gives (`PowerState/stopped`), undefined before it has one. */
export function powerStateOf(vm: VirtualMachine | undefined): { state?: PowerState; label: string } {
  const status = vm?.properties.instanceView?.statuses?.find((s) => s.code.startsWith('PowerState/'));
  if (!status) return { label: 'Unknown' };
  return { state: status.code.slice('PowerState/'.length) as PowerState, label: status.displayStatus ?? status.code };
}

/** Why the last create or change failed, as the instance view says it. */
export function failureOf(vm: VirtualMachine | undefined): string | undefined {
  return vm?.properties.instanceView?.statuses?.find((s) => s.code === 'ProvisioningState/failed')?.message;
}

/** The instance view's statuses while a job moves the VM. */
const MOVING = /^(ProvisioningState\/(creating|updating|deleting)|PowerState\/(starting|stopping|deallocating))$/i;

export const isMoving = (view: InstanceView | undefined) => view?.statuses?.some((s) => MOVING.test(s.code)) ?? false;

/** Of a VM read with its instance view (`withInstanceView`). */
export const isBusy = (vm: VirtualMachine | undefined) => isMoving(vm?.properties.instanceView);

/** The image the VM was made from, in a person's words: `gallery/definition/version`, an image's name, or a URN. */
export function describeImage(reference: ImageReference | undefined): string {
  if (!reference) return '';
  if (reference.id) {
    const segments = reference.id.split('/');
    const at = segments.findIndex((s) => s.toLowerCase() === 'galleries');
    if (at >= 0) return segments.filter((_, i) => i > at && (i - at) % 2 === 1).join('/');
    return segments.at(-1) ?? reference.id;
  }
  const version = reference.exactVersion ?? reference.version;
  return [reference.publisher, reference.offer, reference.sku, version].join(':');
}

/** ARM's region names as they compare: `West US` is `westus`. */
export const sameRegion = (a: string | undefined, b: string | undefined) =>
  (a ?? '').replace(/\s/g, '').toLowerCase() === (b ?? '').replace(/\s/g, '').toLowerCase();
