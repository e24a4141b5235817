/**
 * The `vm` step of the VM build mode: boots the working disk itself (writes kept) with the
 * communicator let in, so the customizer steps that follow run inside the running system, with the
 * vCPUs and memory of the template's `vmProfile.vmSize` (its disk already grown to `osDiskSizeGB` by
 * the source step, which the guest's cloud-init growpart fills at this boot). A build
 * in place passes it over. The generalize step shuts the VM down cleanly; this step's cleanup
 * stops one still running (a failure or a cancel) at once, so no VM outlives its build.
 */
import { bootGuest, type GuestSettings, type GuestSize } from '../guest/guest-vm.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export interface VmStepOptions {
  guest: GuestSettings;
  /** Whether customizers reach the network: the VM gets outbound NAT only then. */
  network: boolean;
  /** The VM's vCPUs and memory (the template's `vmProfile.vmSize`); unset, Kiln's default. */
  size?(): GuestSize;
}

export function vmStep(options: VmStepOptions): BuildStep<ImageBuildState> {
  return {
    name: 'vm',
    applies: (state) => state.mode === 'vm',
    run: async (state, ctx) => {
      state.guest = await bootGuest(
        options.guest,
        { path: state.raw, format: 'raw' },
        {
          persistent: true,
          outbound: options.network,
          firmware: state.firmware,
          what: 'The source image',
          serialPrefix: 'vm',
          work: state.work,
          size: options.size?.(),
        },
        ctx,
      );
    },
    cleanup: async (state) => {
      await state.guest?.stop();
      state.guest = undefined;
    },
  };
}
