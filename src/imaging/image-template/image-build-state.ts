/**
 * What the steps of one image build share. Everything from the fetched source on lives in the run's
 * bounded space (`disk/run-space.ts`) under its work folder; the log stays outside it, so it can
 * still say why a full space failed the run.
 */
import { join } from 'node:path';
import type { RootPartition } from '../disk/partitions.ts';
import type { GuestVm } from '../guest/guest-vm.ts';
import type { Accelerator, VmFirmware } from '../../ports/vm-driver.ts';
import type { OpenRoot } from '../disk/root-in-place.ts';
import { runSpace } from '../disk/run-space.ts';
import type { RootFsState } from '../sandbox.ts';

export interface ImageBuildState extends RootFsState {
  /** The run's work folder, `<build.workRoot>/<run id>`. */
  work: string;
  /** The working raw disk the source becomes and the image is written back into. */
  raw: string;
  /** The built image, a fixed VHD. */
  vhd: string;
  /** Where in `raw` the root file system is, once the source step found it. */
  partition?: RootPartition;
  /** The root file system opened in place at `rootfs`, from the source step until the write image step closes it. */
  root?: OpenRoot;
  /**
   * Where the customizers run, decided by the source step: `in place` on the opened root file system,
   * or `vm` inside the booted working disk (a root Kiln cannot open in place, or the template asks).
   */
  mode?: 'in place' | 'vm';
  /** How the image boots (its source's Hyper-V generation): what VMs of this build start. */
  firmware?: VmFirmware;
  /** The booted working disk while the customizers run in it (VM build mode). */
  guest?: GuestVm;
  /** What the boot check saw, once the built image reached its login prompt. */
  bootCheck?: BootCheckResult;
  /** Why validation failed, when `continueDistributeOnFailure` lets the image be distributed anyway. */
  validationFailure?: string;
  /** Set when a customizer failed and `errorHandling.onCustomizerError` is `abort`: keep everything for debugging. */
  keep: boolean;
  /** The run's disk limit, as messages name it, once its space is mounted. */
  diskLimit?: string;
}

export interface BootCheckResult {
  /** From the boot to the login prompt. */
  seconds: number;
  accelerator: Accelerator;
  firmware: VmFirmware;
}

/** A fresh state for the run whose work folder is `work`. */
export function imageBuildState(work: string): ImageBuildState {
  const space = runSpace(work);
  return {
    rootfs: join(space, 'root'),
    work,
    raw: join(space, 'disk.raw'),
    vhd: join(space, 'image.vhd'),
    keep: false,
  };
}
