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
import type { OverlayDisk } from '../disk/overlay-disk.ts';
import type { BuiltImage } from './built-image.ts';
import { runSpace } from '../disk/run-space.ts';
import type { RootFsState } from '../sandbox.ts';

export interface ImageBuildState extends RootFsState {
  /** The run's work folder, `<build.workRoot>/<run id>`. */
  work: string;
  /**
   * The working raw disk the source becomes and the image is written back into: a file of its own, or
   * the export of `overlay` when the source's bytes stay where they are.
   */
  raw: string;
  /** Where the working disk becomes the built VHD when it is a file of its own. */
  vhd: string;
  /** The copy-on-write overlay over the source, from the source step to its cleanup, when there is one. */
  overlay?: OverlayDisk;
  /** The built image, once the write image step made it. */
  image?: BuiltImage;
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
  /** Set when a customizer (validator) failed under `errorHandling.onCustomizerError` (`onValidationError`) `abort`: keep everything for debugging. */
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

/** The built image as a VM boots it (the boot check, validation): a step before has made it. */
export function imageToBoot(state: ImageBuildState): { path: string; format: 'vpc' | 'raw' } {
  if (!state.image) throw new Error('There is no built image to boot: the write image step runs first.');
  return { path: state.image.path, format: state.image.format };
}
