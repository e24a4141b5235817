/**
 * The bridge from the image template run jobs to the two halves of a run: the domain's record
 * keeping (`domain/image-templates/run/`: run status, source lookup, distribution, the run's end) and
 * the build pipeline (`imaging/image-template/`: stage, source, customizers, generalize, write image,
 * as steps). Only this layer may see both, so this file wires them: settings into the build, the
 * domain's lookups and progress into the steps, the run's live log (the domain's, in the template's
 * region) under the build's log, and the build's outcome into the run's end. It makes no decisions
 * and writes no records of its own.
 *
 * Every attempt says in the log where it runs, so a run taken over from a node that died reads as
 * such: the first attempt's lines, as far as it flushed them, then `Attempt 2 on <node>` and the
 * build again from its start.
 */
import { hostname } from 'node:os';
import { ArmError } from '../../core/arm-error.ts';
import type { DownloadPolicy } from '../../imaging/download-policy.ts';
import { releaseRunSpace, removeRunWork } from '../../imaging/disk/run-space.ts';
import { BOOT_CHECK_VM, type BootCheckSettings } from '../../imaging/image-template/boot-check-step.ts';
import { runImageBuild } from '../../imaging/image-template/image-build.ts';
import { DEFAULT_GUEST_SIZE, type GuestSettings, type GuestSize } from '../../imaging/guest/guest-vm.ts';
import { openRunWork, runWorkFolder } from '../../imaging/image-template/run-work.ts';
import { describeLimits, type ResourceLimits } from '../../imaging/limits/resource-limits.ts';
import { openBuildLog, type BuildLog } from '../../imaging/build-log.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { FinishRunPayload, RunPayload } from '../../domain/image-templates/run-payloads.ts';
import { storeBuiltVhd } from '../../domain/image-templates/run/built-vhd.ts';
import type { BuiltImage } from '../../domain/image-templates/run/distribute.ts';
import type { ImageTemplateRecord } from '../../domain/image-templates/image-template.ts';
import { buildEnding, endRun, recordRunFailure, refuseBeforeWork } from '../../domain/image-templates/run/end-run.ts';
import { finishRun, startRunDistribution } from '../../domain/image-templates/run/finish-run.ts';
import { openLiveLog } from '../../domain/image-templates/run/live-log-writer.ts';
import {
  currentRun,
  recordExactVersion,
  setRunSubState,
  stagingGroup,
} from '../../domain/image-templates/run/run-status.ts';
import { findTemplateSource, type SourceBytes } from '../../domain/image-templates/run/source.ts';
import { linuxCustomizers } from '../../domain/image-templates/run/windows-refusal.ts';
import { optimizeNote } from '../../domain/image-templates/optimize.ts';
import { buildVmSize, type VmProfile } from '../../domain/image-templates/vm-profile.ts';
import { sealSerialLogs } from '../../domain/image-templates/run/serial-logs.ts';
import { serialLogFiles } from '../../imaging/guest/serial-capture.ts';
import { finishOperation } from '../../domain/operations/operation.ts';
import type { Write } from '../../ports/metadata-store.ts';
import { RetryLater, type TaskContext, type TaskHandler } from '../task.ts';
import { templateDownloads, type OwnBlobAccess } from './template-downloads.ts';

/** How this Kiln builds, as its operator set it. */
export interface BuildSettings {
  /** Where runs keep their working files. */
  workRoot: string;
  /** Customizer scripts share the host's network (see sandbox.ts); off, they see a private loopback only. */
  customizerNetwork?: boolean;
  /** `build.limits.diskMiB`: host disk one run may write; unset, a default tied to the source (disk-limit.ts). */
  diskLimitMiB?: number;
  /** What each customizer command may use (`build.limits`); the sandbox holds it there with cgroups. */
  limits: ResourceLimits;
  /** How downloads reach Kiln's own blob URLs, as the template's identity when it has one. */
  ownBlobs: OwnBlobAccess;
  /** Where other downloads may go (`build.downloads`). */
  downloads: DownloadPolicy;
  /** Customizer output a run's log takes at most (`build.logMaxMiB`). */
  logMaxBytes: number;
  /** Set when every build boots its image to a login prompt (`build.bootCheck`, `kiln build --boot-check`). */
  bootCheck?: BootCheckSettings;
  /** How builds boot VMs to work in (VM build mode, validate stage); unset where this Kiln cannot. */
  guest?: GuestSettings;
  /** How late a line of a run's live log may reach its readers; unset, a second (live-log-writer.ts). */
  logFlushMs?: number;
}

export function runImageTemplateTask(ctx: DomainContext, settings: BuildSettings): TaskHandler<RunPayload> {
  return {
    run: (payload, job) => runTemplate(ctx, settings, payload, job),
    fail: async (payload, error) => {
      const writes = await recordRunFailure(ctx, payload, error, (region) => earlierRunLog(ctx, region, payload.runId));
      // What the killed attempts left on this node (mounted space, disks) goes too.
      await removeRunWork(runWorkFolder(settings.workRoot, payload.runId));
      return writes;
    },
  };
}

export function finishImageTemplateRunTask(ctx: DomainContext, logFlushMs?: number): TaskHandler<FinishRunPayload> {
  return {
    run: async (payload) => {
      const writes = await finishRun(ctx, payload, (region) =>
        runLog(ctx, region, payload.runId, { flushMs: logFlushMs }),
      );
      if (!writes) throw new RetryLater(250, 'waiting for distribution targets to finish');
      await removeRunWork(payload.work);
      return writes;
    },
    fail: (payload, error) =>
      recordRunFailure(ctx, payload, error, (region) => earlierRunLog(ctx, region, payload.runId)),
  };
}

/** This process, as the log names the node an attempt ran on. */
const NODE = `${hostname()} (pid ${process.pid})`;

/** The run's live log in its template's region, continued where earlier writers left it. */
async function runLog(
  ctx: DomainContext,
  region: string,
  runId: string,
  options: { maxBytes?: number; flushMs?: number } = {},
): Promise<BuildLog> {
  const live = await openLiveLog(ctx.regions.get(region)!, runId, options.flushMs);
  return openBuildLog(live, { clock: ctx.clock, maxBytes: options.maxBytes });
}

/** The run's live log, continued, when its attempts wrote any. */
async function earlierRunLog(ctx: DomainContext, region: string, runId: string): Promise<BuildLog | undefined> {
  const live = await openLiveLog(ctx.regions.get(region)!, runId);
  if (live.size > 0) return openBuildLog(live, { clock: ctx.clock });
  await live.close();
  return undefined;
}

/**
 * Cancel and timeout abort a job with an ArmError (worker.ts); any other reason is the loss of its
 * lease: another worker has taken the run over, and this attempt must leave the run to it.
 */
const leaseLost = (signal: AbortSignal) => signal.aborted && !(signal.reason instanceof ArmError);

async function runTemplate(
  ctx: DomainContext,
  settings: BuildSettings,
  payload: RunPayload,
  job: TaskContext,
): Promise<Write[]> {
  const record = await currentRun(ctx, payload);
  if (!record) return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Canceled' })];
  const template = record.data.resource;
  // Before anything exists (staging group, working files): may the builder principal do this run, can Kiln build it?
  const refused = await refuseBeforeWork(ctx, payload, template);
  if (refused) return refused;
  const work = runWorkFolder(settings.workRoot, payload.runId);
  await openRunWork(work);
  const log = await runLog(ctx, template.location, payload.runId, {
    maxBytes: settings.logMaxBytes,
    flushMs: settings.logFlushMs,
  });
  log.line(
    job.attempt === 1
      ? `Attempt 1 on ${NODE}`
      : `Attempt ${job.attempt} on ${NODE}: the previous attempt stopped before the run ended (its worker stopped or it failed); building again from the start`,
  );
  try {
    return await buildTemplate(ctx, settings, payload, job, { record, work, log });
  } catch (error) {
    // The job tries again or gives up (then `fail` ends the run); the log says why this attempt stopped.
    if (!log.closed) {
      log.line(
        leaseLost(job.signal)
          ? `Attempt ${job.attempt} on ${NODE} lost its claim on the run (another worker has taken it over): it stops here`
          : `Attempt ${job.attempt} on ${NODE} stopped: ${error instanceof Error ? error.message : String(error)}`,
      );
      // A log the store refuses now must not hide why the attempt stopped.
      await log.close().catch(() => undefined);
    }
    throw error;
  }
}

async function buildTemplate(
  ctx: DomainContext,
  settings: BuildSettings,
  payload: RunPayload,
  job: TaskContext,
  { record, work, log }: { record: ImageTemplateRecord; work: string; log: BuildLog },
): Promise<Write[]> {
  const template = record.data.resource;
  const network = settings.customizerNetwork === true;
  log.line(
    `Customizer network: ${network ? 'on: scripts share the host network, its loopback included' : 'off: scripts see a private loopback only'}`,
  );
  log.line(`Customizer limits, per command (build.limits): ${describeLimits(settings.limits)}`);
  const optimized = optimizeNote(template.properties.optimize);
  if (optimized) log.line(optimized);

  let sourceVersion: string | undefined;
  let source: SourceBytes | undefined;
  let image: BuiltImage | undefined;
  const validate = template.properties.validate;
  const { result, state } = await runImageBuild(
    {
      work,
      store: ctx.store,
      staging: stagingGroup(template, record.subscription, payload.runId),
      source: {
        find: async (signal) => {
          source = await findTemplateSource(ctx, template.properties.source, template.location, signal);
          sourceVersion = source.versionName;
          return source;
        },
        diskLimitMiB: settings.diskLimitMiB,
        osDiskSizeGB: template.properties.vmProfile.osDiskSizeGB,
        buildMode: template.properties.kilnBuildMode,
        progress: {
          started: () => setRunSubState(ctx, payload, 'Building'),
          fetched: async ({ exactVersion }) =>
            exactVersion ? recordExactVersion(ctx, payload, exactVersion) : undefined,
          opened: () => setRunSubState(ctx, payload, 'Customizing'),
        },
      },
      customize: validate?.sourceValidationOnly ? [] : linuxCustomizers(template.properties.customize),
      onCustomizerError: template.properties.errorHandling.onCustomizerError,
      customizers: {
        network,
        fetch: templateDownloads(ctx, template, log, settings.ownBlobs, settings.downloads),
        limits: settings.limits,
      },
      keepImage: async (built) => {
        await setRunSubState(ctx, payload, 'Distributing');
        image = await storeBuiltVhd(ctx, template, payload.runId, built, source);
      },
      ...(settings.bootCheck ? { bootCheck: { ...settings.bootCheck, image: template.name } } : {}),
      guest: settings.guest,
      vmSize: () => guestSize(ctx, template.properties.vmProfile),
      ...(validate
        ? {
            validate: {
              ...validate,
              onValidationError: template.properties.errorHandling.onValidationError,
              image: template.name,
              started: () => setRunSubState(ctx, payload, 'Validating'),
            },
          }
        : {}),
    },
    { signal: job.signal, log },
  );

  // Sealed whatever the outcome: a console is most wanted when the image did not boot.
  const serialLogs = await sealSerialLogs(ctx, template, payload.runId, await serialLogFiles(work), log);
  // Not the run's end: another worker builds it now.
  if (leaseLost(job.signal)) throw job.signal.reason;
  if (!result.ok) {
    const ending = buildEnding(template, result, job.signal, log);
    const writes = await endRun(ctx, payload, log, { ...ending, blobs: serialLogs.map((s) => s.blob) });
    if (!state.keep) await removeRunWork(work);
    return writes;
  }
  await releaseRunSpace(work);
  return startRunDistribution(ctx, payload, template, image!, {
    log,
    work,
    sourceVersion,
    validationFailure: state.validationFailure,
    serialLogs: serialLogs.map((s) => s.blob),
    bootCheck: state.bootCheck && {
      bootTimeInSeconds: Math.round(state.bootCheck.seconds * 10) / 10,
      accelerator: state.bootCheck.accelerator,
      firmware: state.bootCheck.firmware,
      serialLogUri: serialLogs.find((s) => s.vm === BOOT_CHECK_VM)?.uri,
    },
  });
}

/**
 * The template's build VM size as its VMs boot with it: the size table's vCPUs and memory, or Kiln's
 * build default for Azure's default size when the table lacks it; a size the table lacks is refused.
 */
function guestSize(ctx: DomainContext, profile: VmProfile): GuestSize {
  const size = buildVmSize(ctx, profile);
  if (!size)
    return {
      ...DEFAULT_GUEST_SIZE,
      name: `${profile.vmSize} (properties.vmProfile.vmSize; not in virtualMachines.sizes: Kiln's build default)`,
    };
  return { name: `${size.name} (properties.vmProfile.vmSize)`, cpus: size.numberOfCores, memoryMiB: size.memoryInMB };
}
