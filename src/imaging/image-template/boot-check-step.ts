/**
 * The `boot check` step: boots the built VHD with the VM driver and waits for a login prompt on its
 * serial console, so a build whose image does not boot fails, naming it. The VM opens the image
 * with its writes thrown away (the driver's guarantee): the checked image is the one distributed.
 * The VM has a network card that reaches nothing. The console goes to the build log as customizer
 * output does, prefixed with the step's name, and to its own file (serial-capture.ts); the log and
 * the state (for the run outputs) say how long the prompt took, under which accelerator and firmware.
 * The VM is always stopped before the step ends, and a cancel stops it at once.
 */
import type { VmDriver } from '../../ports/vm-driver.ts';
import { captureSerial } from '../guest/serial-capture.ts';
import type { BuildStep } from '../step-runner.ts';
import { imageToBoot, type ImageBuildState } from './image-build-state.ts';

/** How this Kiln checks that images boot, when it does. */
export interface BootCheckSettings {
  driver: VmDriver;
  /** How long the login prompt may take (`build.bootCheckTimeoutSeconds`). */
  timeoutSeconds: number;
}

export interface BootCheck extends BootCheckSettings {
  /** The image as failures name it (the template's name). */
  image: string;
}

/** Default of `build.bootCheckTimeoutSeconds`: TCG boots of a full distribution take a minute or two. */
export const DEFAULT_BOOT_CHECK_TIMEOUT_SECONDS = 300;
const LOGIN_PROMPT = /login:/;
/** The boot check VM's name in the log and its serial file's. */
export const BOOT_CHECK_VM = 'boot-check';
const VM = { memoryMiB: 512, cpus: 1 };
const ISOLATED = { forwardPorts: [], outbound: false };

export function bootCheckStep(check: BootCheck): BuildStep<ImageBuildState> {
  return {
    name: 'boot check',
    run: async (state, ctx) => {
      const { log, signal } = ctx;
      const serial = captureSerial(ctx, state.work, BOOT_CHECK_VM);
      const vm = await check.driver.boot(
        imageToBoot(state),
        // A network card that reaches nothing, as every Azure VM has one: without any, images that wait
        // for their network at boot (systemd-networkd-wait-online) wait out its timeout before the prompt.
        { ...VM, firmware: state.firmware, network: ISOLATED, serial: (line) => serial.line(line), signal },
      );
      try {
        const { seconds } = await vm.waitFor(LOGIN_PROMPT, check.timeoutSeconds * 1000).catch((error: Error) => {
          signal.throwIfAborted();
          throw new Error(`Boot check of image ${check.image} failed: ${error.message}`);
        });
        log.line(`Boot check: login prompt after ${seconds.toFixed(1)} s (${vm.accelerator})`);
        state.bootCheck = { seconds, accelerator: vm.accelerator, firmware: state.firmware ?? 'bios' };
      } finally {
        await vm.stop();
        serial.end();
      }
    },
  };
}
