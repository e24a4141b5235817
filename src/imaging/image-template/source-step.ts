/**
 * The `source` step: the source image's bytes become the run's working raw disk, and its root file
 * system is opened in place for the customizers (root-in-place.ts: checked with `e2fsck -fn`, then
 * served by a confined fuse2fs; a source's content checked once, checked-roots.ts), so the build
 * changes only what its steps change. The run's bounded
 * space is mounted first, sized by `build.limits.diskMiB` or the source's size (disk-limit.ts), and
 * everything the run writes lives in it.
 *
 * A fixed VHD held where any piece is cheap to read (a region store) is not fetched at all: the
 * working disk is a copy-on-write overlay over it (overlay-disk.ts), whose writes are all the build
 * adds, and which tells the write image step what changed. Any other source is fetched once, sparse:
 * a raw disk is renamed into place, a fixed VHD loses its footer in place, other formats go through
 * `qemu-img convert`. A template's `vmProfile.osDiskSizeGB` grows the working disk before anything
 * opens or boots it (grown-disk.ts): the fetched file is extended sparse, an overlay's base reads as
 * zeros past the source. Every disk tool runs confined and stops when the run is canceled or times out;
 * the cleanup detaches a root the write image step did not close (a run kept for debugging closes it
 * cleanly) and ends the overlay (a kept run's disk copied out first).
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DISK_TYPE_FIXED, parseVhdFooter, VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import { findRootPartition, moveToRaw } from '../disk/disk-image.ts';
import { grownDiskSize, growRawDisk, OS_DISK_SIZE_FIELD, zeroExtendedDisk } from '../disk/grown-disk.ts';
import { NeedsVmBuild } from '../disk/partitions.ts';
import { runDiskLimit } from '../disk/disk-limit.ts';
import type { NbdDisk } from '../disk/nbd-server.ts';
import { openOverlayDisk } from '../disk/overlay-disk.ts';
import { rememberChecked, wasChecked } from '../disk/checked-roots.ts';
import { openRootInPlace } from '../disk/root-in-place.ts';
import { mountRunSpace, runSpace } from '../disk/run-space.ts';
import { copySparse, writeSparseFile } from '../disk/sparse-file.ts';
import type { MetadataStore } from '../../ports/metadata-store.ts';
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
  /**
   * Reads `length` bytes at `offset`, where the bytes are held so that any piece is cheap to read (a
   * region store's chunks): a fixed VHD source is then not fetched, the build works on a copy-on-write
   * overlay over it (overlay-disk.ts).
   */
  readRange?(offset: number, length: number): Promise<Buffer>;
  /** Its content name (a sealed blob's sha256) where it has one: its root's check is then kept (checked-roots.ts). */
  contentId?: string;
}

const MIB = 1024 * 1024;

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
  /** `build.limits.diskMiB`; unset, a default tied to the source's size (or the grown disk's, when larger). */
  diskLimitMiB?: number;
  /**
   * The template's `vmProfile.osDiskSizeGB`: the working disk, and so the image, is grown to that
   * many GiB before anything opens or boots it; 0 or unset keeps the source's size.
   */
  osDiskSizeGB?: number;
  /** Where `e2fsck -fn` verdicts are kept by content (checked-roots.ts); unset, every build checks. */
  checkedRoots?: MetadataStore;
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
      // Up to the grown disk's size is what the build may fill: the default limit is tied to it.
      const limit = runDiskLimit(options.diskLimitMiB, Math.max(source.size, (options.osDiskSizeGB ?? 0) * 1024 ** 3));
      await mountRunSpace(state.work, limit.bytes);
      state.diskLimit = limit.description;
      log.line(`Disk space for this run: ${limit.description}`);
      const disk = await overlaySource(source);
      let grown: { from: number; to: number } | undefined;
      if (disk) {
        const to = grownDiskSize(options.osDiskSizeGB, disk.size);
        if (to) grown = { from: disk.size, to };
        state.overlay = await openOverlayDisk(runSpace(state.work), to ? zeroExtendedDisk(disk, to) : disk, { signal });
        state.raw = state.overlay.path;
        log.line(`Source: ${source.description}, a fixed VHD read where it is (copy-on-write, nothing fetched)`);
        log.line(`Source is vpc, ${disk.size} bytes`);
        await progress.fetched?.(source);
      } else {
        log.line(`Fetching the source: ${source.description}`);
        const fetched = join(runSpace(state.work), 'source.img');
        // Sparse: the source's unwritten space costs the run no writes.
        await writeSparseFile(source.open(), fetched, signal);
        await progress.fetched?.(source);
        // The fetched file is the build's own: a raw disk or fixed VHD becomes the working disk without a copy.
        const format = await moveToRaw(fetched, state.raw, signal);
        log.line(`Source is ${format.format}, ${format.virtualSize} bytes`);
        const to = grownDiskSize(options.osDiskSizeGB, format.virtualSize);
        if (to) {
          grown = { from: format.virtualSize, to };
          await growRawDisk(state.raw, grown.from, to);
        }
      }
      if (grown)
        log.line(
          `OS disk grown from ${grown.from} to ${grown.to} bytes (${OS_DISK_SIZE_FIELD}: ${options.osDiskSizeGB})`,
        );
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
      if (grown)
        log.line(
          'In place the root partition keeps its size: VMs made from the image grow it into the rest of the disk at their first boot (cloud-init growpart); the VM build mode grows it during the build',
        );
      const identity = source.contentId && { contentId: source.contentId, start: state.partition.start };
      const passedBefore = identity && options.checkedRoots ? await wasChecked(options.checkedRoots, identity) : false;
      state.root = await openRootInPlace(state.raw, state.partition, state.rootfs, { signal, passedBefore });
      if (identity && options.checkedRoots && !passedBefore)
        await rememberChecked(options.checkedRoots, identity, new Date());
      state.mode = 'in place';
      log.line(
        passedBefore
          ? 'Root file system opened in place (these bytes passed e2fsck -fn in an earlier build)'
          : 'Root file system checked (e2fsck -fn) and opened in place',
      );
      await progress.opened?.();
    },
    cleanup: async (state) => {
      if (state.mode === 'in place') {
        // A kept run's disk is for looking into: closed cleanly, it holds everything the failed step wrote.
        if (state.keep) await state.root?.close().catch(() => state.root?.abandon());
        else await state.root?.abandon();
        state.root = undefined;
      }
      if (state.overlay) await closeOverlay(state);
    },
  };
}

/**
 * The source as the overlay's NBD disk, when it can be read where it is: a fixed VHD (Azure's only
 * disk format) of whole MiB, read in place without its footer. Anything else is fetched.
 */
async function overlaySource(source: SourceImage): Promise<NbdDisk | undefined> {
  const { readRange, size } = source;
  if (!readRange || size < 2 * VHD_FOOTER_SIZE) return undefined;
  const parsed = parseVhdFooter(await readRange(size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE));
  const diskSize = size - VHD_FOOTER_SIZE;
  if (!parsed.ok || parsed.footer.diskType !== DISK_TYPE_FIXED || diskSize % MIB !== 0) return undefined;
  return { size: diskSize, read: readRange };
}

/**
 * Ends the overlay at the build's end. A kept run's disk is for looking into once the build is
 * over, when the overlay's export is gone: its bytes are copied out to `<space>/disk.raw` first.
 */
async function closeOverlay(state: ImageBuildState): Promise<void> {
  const overlay = state.overlay!;
  state.overlay = undefined;
  if (!state.keep) return overlay.close();
  const kept = `${overlay.path}.kept`;
  await copySparse(overlay.path, kept).catch(() => undefined);
  await overlay.close();
  await rename(kept, overlay.path).catch(() => undefined);
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
