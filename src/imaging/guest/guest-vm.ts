/**
 * A VM booted for a build to work in (the VM build mode, the validate stage): the disk booted by the
 * VM driver with a NoCloud seed that lets the communicator in, a fresh cloud-init instance id each
 * boot (so cloud-init applies the seed even to a disk that booted before), and the forwarded port the
 * communicator needs; the guest reaches the network only when customizers may (`outbound`). The
 * serial console goes to the log under `serialPrefix` and to its own file (serial-capture.ts). `close` shuts the guest down cleanly (power
 * off through the communicator, then ACPI, then a hard stop) and forgets the credentials; `stop` ends
 * it at once; `bootAgain` starts the same disk again after a restart, with fresh credentials.
 */
import { randomUUID } from 'node:crypto';
import type { GuestCommunicator, GuestSession } from '../../ports/guest-communicator.ts';
import type { ShutdownOutcome, Vm, VmDisk, VmDriver, VmFirmware } from '../../ports/vm-driver.ts';
import type { StepContext } from '../step-runner.ts';
import { captureSerial } from './serial-capture.ts';

/** How this Kiln boots VMs for builds. */
export interface GuestSettings {
  driver: VmDriver;
  communicator: GuestCommunicator;
  /** How long a boot may take until the communicator answers (`build.bootCheckTimeoutSeconds`). */
  timeoutSeconds: number;
}

export interface GuestBoot {
  /** How long the communicator may take to answer; the settings' `timeoutSeconds` when left out. */
  connectTimeoutMs?: number;
  /** Writes go to the disk (a build in the VM) rather than a throwaway overlay (a validation). */
  persistent: boolean;
  outbound: boolean;
  firmware?: VmFirmware;
  /** What errors call the VM, e.g. "the customized image of template x". */
  what: string;
  /** The VM's name in the log and its serial file's (serial-capture.ts). */
  serialPrefix: string;
  /** The run's work folder, where the serial file goes. */
  work: string;
  /** What the VM gets (the template's `vmProfile.vmSize`); unset, `DEFAULT_GUEST_SIZE`. */
  size?: GuestSize;
}

/** A build VM's vCPUs and memory, and the name the log and errors give them ("Standard_B2s (properties.vmProfile.vmSize)"). */
export interface GuestSize {
  cpus: number;
  memoryMiB: number;
  name: string;
}

export interface GuestVm {
  vm: Vm;
  session: GuestSession;
  /** Seconds from the boot (its turn included) to the communicator's first answer. */
  seconds: number;
  close(): Promise<ShutdownOutcome>;
  stop(): Promise<void>;
  /** Boots the same disk the same way again once this VM has gone down (a restart), the communicator given `connectTimeoutMs`. */
  bootAgain(connectTimeoutMs: number): Promise<GuestVm>;
}

/** Memory and vCPUs of a build VM given no size: enough for a distribution's package manager, little enough to share the host. */
export const DEFAULT_GUEST_SIZE: GuestSize = { memoryMiB: 1024, cpus: 1, name: "Kiln's build default" };
const POWER_OFF =
  'sync; if command -v systemctl >/dev/null; then systemctl --no-block poweroff; ' +
  'else nohup sh -c "sleep 1; poweroff" >/dev/null 2>&1 & fi';
/** How long a guest may take to power off once asked. */
const SHUTDOWN_MS = 60_000;

export async function bootGuest(
  settings: GuestSettings,
  disk: VmDisk,
  boot: GuestBoot,
  ctx: StepContext,
): Promise<GuestVm> {
  const size = boot.size ?? DEFAULT_GUEST_SIZE;
  const access = await settings.communicator.prepare();
  const serial = captureSerial(ctx, boot.work, boot.serialPrefix);
  ctx.log.line(`${boot.serialPrefix}: booting as ${describeGuestSize(size)}`);
  const started = performance.now();
  let vm: Vm;
  try {
    vm = await settings.driver.boot(disk, {
      cpus: size.cpus,
      memoryMiB: size.memoryMiB,
      firmware: boot.firmware,
      persistent: boot.persistent,
      network: { forwardPorts: [access.guestPort], outbound: boot.outbound },
      seed: {
        metaData: `instance-id: kiln-${randomUUID()}\nlocal-hostname: kiln-build\n`,
        userData: access.cloudConfig,
      },
      serial: (line) => serial.line(line),
      signal: ctx.signal,
    });
  } catch (error) {
    serial.end();
    await access.dispose();
    ctx.signal.throwIfAborted();
    // A size the host never holds is refused at once (vm-turns.ts): the error says which size it was.
    throw new Error(`${boot.what} could not boot as ${describeGuestSize(size)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const ended = async () => {
    serial.end();
    await access.dispose();
  };
  void vm.exited.then(ended);
  let session: GuestSession;
  try {
    session = await access.connect(vm, {
      timeoutMs: boot.connectTimeoutMs ?? settings.timeoutSeconds * 1000,
      signal: ctx.signal,
    });
  } catch (error) {
    await vm.stop();
    ctx.signal.throwIfAborted();
    const last = vm
      .lastSerialLines(15)
      .map((line) => `  ${line}`)
      .join('\n');
    throw new Error(
      `${boot.what} booted, but ${settings.communicator.name} could not reach it: ${(error as Error).message}. Last lines of its serial console:\n${last}`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  ctx.log.line(
    `${boot.serialPrefix}: ${settings.communicator.name} answered after ${seconds.toFixed(1)} s (${vm.accelerator}, ${boot.firmware === 'uefi' ? 'UEFI' : 'BIOS'})`,
  );
  return {
    vm,
    session,
    seconds,
    async close() {
      // The guest's own power off flushes its file systems; the ACPI button is the fallback. systemd's
      // is queued (`--no-block`) so the session ends first; elsewhere it is detached from the session.
      await session.run(['sh', '-c', POWER_OFF], { output: () => {}, signal: ctx.signal }).catch(() => {});
      const outcome = await vm.shutdown(SHUTDOWN_MS);
      ctx.log.line(
        `${boot.serialPrefix}: ${outcome === 'clean' ? 'the VM powered off' : `the VM did not power off within ${SHUTDOWN_MS / 1000} s and was stopped`}`,
      );
      return outcome;
    },
    stop: () => vm.stop(),
    bootAgain: (connectTimeoutMs) => bootGuest(settings, disk, { ...boot, connectTimeoutMs }, ctx),
  };
}

/** "Standard_B2s (properties.vmProfile.vmSize) with 2 vCPUs and 4096 MiB", as the log and errors name a build VM's size. */
export function describeGuestSize(size: GuestSize): string {
  return `${size.name} with ${size.cpus} vCPU${size.cpus === 1 ? '' : 's'} and ${size.memoryMiB} MiB`;
}
