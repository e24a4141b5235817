/**
 * The `source` step: the source image's bytes into the run's working raw disk, and its root file
 * system opened in place for the customizers (root-in-place.ts: checked with `e2fsck -fn`, then
 * served by a confined fuse2fs), so the build changes only what its steps change. The run's bounded
 * space is mounted first, sized by `build.limits.diskMiB` or the source's size (disk-limit.ts), and
 * everything from the fetched bytes on lives in it. There is no second copy: a fetched raw disk is
 * renamed into place, a fixed VHD loses its footer in place, other formats go through `qemu-img
 * convert`. Every disk tool runs confined and stops when the run is canceled or times out; the
 * cleanup detaches a root the write image step did not close (a run kept for debugging closes it cleanly).
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { findRootPartition, moveToRaw } from '../disk/disk-image.ts';
import { NeedsVmBuild } from '../disk/partitions.ts';
import { runDiskLimit } from '../disk/disk-limit.ts';
import { openRootInPlace } from '../disk/root-in-place.ts';
import { mountRunSpace, runSpace } from '../disk/run-space.ts';
import { writeSparseFile } from '../disk/sparse-file.ts';
import type { BuildStep, StepContext } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

/** A source's bytes, found by whoever knows where sources live (the domain's `run/source.ts`). */
export interface SourceImage {
  /** What the log calls it: "managed image /subscriptions/…". */
  description: string;
  /** How many bytes `open` gives: the run's disk limit is tied to it. */
  size: number;
  /** Its Hyper-V generation where known: V2 images boot with UEFI, others with a BIOS. */
  hyperVGeneration?: 'V1' | 'V2';
  open(): Readable;
}

export type BuildMode = 'Auto' | 'InPlace' | 'VM';

export interface SourceStepOptions<S extends SourceImage> {
  find(signal: AbortSignal): Promise<S>;
  /**
   * Where customizers run (the template's `kilnBuildMode`): `Auto` opens the root in place when
   * Kiln can and boots the VM otherwise (when `vmBuilds` allows), `InPlace` only opens it, `VM` always boots.
   */
  buildMode?: BuildMode;
  /** Whether this Kiln can build in a VM (it has a VM driver and a communicator). */
  vmBuilds?: boolean;
  /** Why the customizers need a running system whatever the root (a restart step), when they do: `Auto` then boots. */
  needsVm?: string;
  /** `build.limits.diskMiB`; unset, a default tied to the source's size. */
  diskLimitMiB?: number;
  /** Told as the step goes, so the run can show its progress: on start, once the bytes are in, once the root is open. */
  progress?: { started?(): Promise<void>; fetched?(source: S): Promise<void>; opened?(): Promise<void> };
}

export function sourceStep<S extends SourceImage>(options: SourceStepOptions<S>): BuildStep<ImageBuildState> {
  const { progress = {} } = options;
  return {
    name: 'source',
    run: async (state, { log, signal }) => {
      await progress.started?.();
      const source = await options.find(signal);
      state.firmware = source.hyperVGeneration === 'V2' ? 'uefi' : 'bios';
      const limit = runDiskLimit(options.diskLimitMiB, source.size);
      await mountRunSpace(state.work, limit.bytes);
      state.diskLimit = limit.description;
      log.line(`Disk space for this run: ${limit.description}`);
      log.line(`Fetching the source: ${source.description}`);
      const fetched = join(runSpace(state.work), 'source.img');
      // Sparse: the source's unwritten space costs the run no writes.
      await writeSparseFile(source.open(), fetched, signal);
      await progress.fetched?.(source);
      // The fetched file is the build's own: a raw disk or fixed VHD becomes the working disk without a copy.
      const format = await moveToRaw(fetched, state.raw, signal);
      log.line(`Source is ${format.format}, ${format.virtualSize} bytes`);
      const mode = options.buildMode ?? 'Auto';
      if (mode === 'VM') return inVm(state, options, log, 'the template asks for it (kilnBuildMode: VM)');
      if (options.needsVm && mode === 'Auto') return inVm(state, options, log, options.needsVm);
      try {
        state.partition = await findRootPartition(state.raw, signal);
      } catch (error) {
        if (!(error instanceof NeedsVmBuild) || mode === 'InPlace' || !options.vmBuilds) throw error;
        return inVm(state, options, log, error.message.replaceAll(state.raw, 'the source'));
      }
      log.line(`Root file system at byte ${state.partition.start} (${state.partition.table} table)`);
      state.root = await openRootInPlace(state.raw, state.partition, state.rootfs, { signal });
      state.mode = 'in place';
      log.line('Root file system checked (e2fsck -fn) and opened in place');
      await progress.opened?.();
    },
    cleanup: async (state) => {
      if (state.mode !== 'in place') return;
      // A kept run's disk is for looking into: closed cleanly, it holds everything the failed step wrote.
      if (state.keep) await state.root?.close().catch(() => state.root?.abandon());
      else await state.root?.abandon();
      state.root = undefined;
    },
  };
}

/** The VM build mode: the working disk stays closed here; the VM step boots it. */
async function inVm<S extends SourceImage>(
  state: ImageBuildState,
  options: SourceStepOptions<S>,
  log: StepContext['log'],
  why: string,
) {
  if (!options.vmBuilds) throw new Error(`This build must run in a VM (${why}), and this Kiln cannot boot VMs.`);
  state.mode = 'vm';
  log.line(`Customizers run inside the booted image (VM build mode): ${why}`);
  await options.progress?.opened?.();
}
