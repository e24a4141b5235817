/**
 * A run of an image template, as a durable job: stage, fetch the source into a working disk, extract
 * its root file system, customize in a sandbox, generalize, write the disk back, then distribute to
 * every target. The build steps clean up in reverse order whatever happens (Packer's multistep).
 * Distribution starts managed images and gallery versions whose own jobs finish them; a second job,
 * `imageTemplate.finishRun`, waits for those without holding a worker, then records each target's
 * run output (some failing makes the run PartiallySucceeded) and the run's end.
 */
import { mkdir, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { logLines, openBuildLog, type BuildLog } from '../../build/build-log.ts';
import { fileStep, type CustomizerDeps } from '../../build/customizers/file.ts';
import type { DownloadPolicy } from '../../build/download-policy.ts';
import { powerShellStep } from '../../build/customizers/powershell.ts';
import { shellStep } from '../../build/customizers/shell.ts';
import { DiskLimitReached, runDiskLimit } from '../../build/disk/disk-limit.ts';
import { extractRootFs, findRootPartition, moveToRaw, toFixedVhd, writeRootFs, type RootPartition } from '../../build/disk/disk-image.ts';
import { mountRunSpace, releaseRunSpace, removeRunWork, runSpace, runSpaceFull } from '../../build/disk/run-space.ts';
import { generalizeStep } from '../../build/generalize.ts';
import { describeLimits, type ResourceLimits } from '../../build/limits/resource-limits.ts';
import type { RootFsState } from '../../build/sandbox.ts';
import { runSteps, type BuildStep } from '../../build/step-runner.ts';
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import type { DomainContext } from '../../domain/context.ts';
import { requireBuilderAccess } from '../../domain/image-templates/builder-access.ts';
import type { ImageTemplate, ImageTemplateInternal, RunState, RunSubState } from '../../domain/image-templates/image-template.ts';
import type { FinishRunPayload, RunOutput, RunPayload, StartedDistribution } from '../../domain/image-templates/run-payloads.ts';
import { stagingGroup, updateRun, withRunStatus } from '../../domain/image-templates/run-template.ts';
import { finishOperation } from '../../domain/operations/operation.ts';
import type { Write } from '../../ports/metadata-store.ts';
import { RetryLater, type TaskContext, type TaskHandler } from '../task.ts';
import { distributionState, startDistribution } from './template-distribute.ts';
import { publishedVhd, storeBuiltVhd } from './template-vhd.ts';
import { templateDownloads, type OwnBlobAccess } from './template-downloads.ts';
import { findTemplateSource } from './template-source.ts';

interface BuildState extends RootFsState {
  work: string;
  raw: string;
  vhd: string;
  partition?: RootPartition;
  /** Set when a customizer failed and `errorHandling.onCustomizerError` is `abort`: keep everything for debugging. */
  keep: boolean;
  /** The gallery image version the source resolved to, if it was one. */
  sourceVersion?: string;
  /** The run's disk limit, as messages name it, once its space is mounted. */
  diskLimit?: string;
}

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
}

export function runImageTemplateTask(ctx: DomainContext, settings: BuildSettings): TaskHandler<RunPayload> {
  return {
    run: (payload, job) => runTemplateBuild(ctx, settings, payload, job),
    fail: (payload, error) => recordFailure(ctx, payload, error, settings.workRoot),
  };
}

export function finishImageTemplateRunTask(ctx: DomainContext): TaskHandler<FinishRunPayload> {
  return {
    run: (payload) => finishRun(ctx, payload),
    fail: (payload, error) => recordFailure(ctx, payload, error),
  };
}

/** Records the run's end once every distribution has finished; until then, checks back shortly. */
async function finishRun(ctx: DomainContext, payload: FinishRunPayload): Promise<Write[]> {
  const states = await Promise.all(payload.started.map((started) => distributionState(ctx, started)));
  if (states.includes('InProgress')) throw new RetryLater(250, 'waiting for distribution targets to finish');
  const log = openBuildLog(payload.logPath, { clock: ctx.clock });
  const outputs = payload.started.map((started, i) => ({ ...started.output, provisioningState: states[i] === 'Succeeded' ? ('Succeeded' as const) : ('Failed' as const) }));
  for (const output of outputs) log.line(`Run output '${output.runOutputName}': ${output.provisioningState}${output.artifactId ? ` (${output.artifactId})` : ''}`);
  // Every target took its own copy; a VHD target's is the user blob its artifactUri names (template-vhd.ts).
  await ctx.regions.get(payload.image.region)!.delete(payload.image.key);
  const failed = outputs.filter((o) => o.provisioningState === 'Failed').length;
  const runState: RunState = failed === 0 ? 'Succeeded' : failed === outputs.length ? 'Failed' : 'PartiallySucceeded';
  const message = failed === 0 ? '' : `${failed} of ${outputs.length} distribution targets failed; see customization.log.`;
  return endRun(ctx, payload, log, payload.work, false, runState, message, outputs, payload.keepImage ? [publishedVhd(payload.image)] : []);
}

async function runTemplateBuild(ctx: DomainContext, settings: BuildSettings, payload: RunPayload, job: TaskContext): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: ImageTemplate; internal: ImageTemplateInternal }>(payload.key);
  if (!record || record.data.internal.runId !== payload.runId) return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Canceled' })];
  const template = record.data.resource;
  // Before anything exists (staging group, working files): may the builder principal do this run?
  const refused = await refuseWithoutBuilderAccess(ctx, payload, template);
  if (refused) return refused;
  const work = join(settings.workRoot, payload.runId);
  // What a killed attempt of this run left, its mounted space included.
  await removeRunWork(work);
  // 0700: a run's disks and log are its template owner's, not other local users'.
  await mkdir(work, { recursive: true, mode: 0o700 });
  const log = openBuildLog(join(work, 'customization.log'), { clock: ctx.clock, maxBytes: settings.logMaxBytes });
  const network = settings.customizerNetwork === true;
  const downloads = templateDownloads(ctx, template, log, settings.ownBlobs, settings.downloads);
  log.line(`Customizer network: ${network ? 'on: scripts share the host network, its loopback included' : 'off: scripts see a private loopback only'}`);
  log.line(`Customizer limits, per command (build.limits): ${describeLimits(settings.limits)}`);
  const setSubState = (runSubState: RunSubState) =>
    updateRun(ctx, payload.key, (r) => (r.data.internal.runId === payload.runId && r.data.resource.properties.lastRunStatus?.runState === 'Running'
      ? { resource: withRunStatus(r.data.resource, { ...r.data.resource.properties.lastRunStatus, runSubState }), internal: r.data.internal }
      : undefined));
  await updateRun(ctx, payload.key, (r) => ({ resource: r.data.resource, internal: { ...r.data.internal, log: { path: log.path } } }));

  const staging = stagingGroup(template, record.subscription, payload.runId);
  // Everything the run writes from its source on lives in its bounded space (run-space.ts); the log stays outside.
  const space = runSpace(work);
  const state: BuildState = { rootfs: join(space, 'rootfs'), work, raw: join(space, 'disk.raw'), vhd: join(space, 'image.vhd'), keep: false };
  const steps: BuildStep<BuildState>[] = [
    {
      name: 'stage',
      run: async () => {
        log.line(`Staging resource group ${staging.name}`);
        await ctx.store.apply([staging.write]);
      },
      cleanup: async (s) => (s.keep ? log.line(`Keeping ${staging.name} and ${work} for debugging (errorHandling: abort).`) : void (await ctx.store.apply([{ op: 'delete', key: staging.key }]))),
    },
    {
      name: 'source',
      run: async (s, step) => {
        await setSubState('Building');
        const source = await findTemplateSource(ctx, template.properties.source, template.location, step.signal);
        s.sourceVersion = source.versionName;
        const limit = runDiskLimit(settings.diskLimitMiB, source.size);
        await mountRunSpace(work, limit.bytes);
        s.diskLimit = limit.description;
        log.line(`Disk space for this run: ${limit.description}`);
        log.line(`Fetching the source: ${source.description}`);
        const fetched = join(space, 'source.img');
        await pipeline(source.open(), createWriteStream(fetched), { signal: step.signal });
        const exactVersion = source.exactVersion;
        if (exactVersion) {
          // As Azure shows it: the version `latest` resolved to, on the template's source.
          await updateRun(ctx, payload.key, (r) => ({
            resource: { ...r.data.resource, properties: { ...r.data.resource.properties, source: { ...r.data.resource.properties.source, exactVersion } as typeof r.data.resource.properties.source } },
            internal: r.data.internal,
          }));
        }
        // The fetched file is the build's own: a raw disk or fixed VHD becomes the working disk without a copy.
        const format = await moveToRaw(fetched, s.raw);
        s.partition = await findRootPartition(s.raw);
        log.line(`Source is ${format.format}, ${format.virtualSize} bytes; root file system at byte ${s.partition.start} (${s.partition.table} table)`);
        await extractRootFs(s.raw, s.partition, s.rootfs);
        await setSubState('Customizing');
      },
    },
    ...template.properties.customize.map((customizer) => keepOnAbort(template, customizerStep(customizer, { network, fetch: downloads, limits: settings.limits }))),
    generalizeStep({ limits: settings.limits }),
    {
      name: 'write image',
      run: async (s) => {
        await writeRootFs(s.rootfs, s.raw, s.partition!);
        const vhd = await toFixedVhd(s.raw, s.vhd);
        log.line(`Image written: fixed VHD of ${vhd.size} bytes`);
      },
    },
  ];
  const built = await runSteps(steps.map(explainDiskFull), state, { signal: job.signal, log });

  if (!built.ok) {
    const runState: RunState = built.canceled && !isTimeout(job.signal) ? 'Canceled' : 'Failed';
    const message = built.canceled
      ? isTimeout(job.signal)
        ? `The build did not finish within its timeout of ${minutes(template.properties.buildTimeoutInMinutes || 240)}.`
        : 'The run was canceled.'
      : failureMessage(built.failedStep, built.error, log);
    return endRun(ctx, payload, log, work, state.keep, runState, message, [], []);
  }
  await setSubState('Distributing');
  const image = await storeBuiltVhd(ctx, template, payload.runId, state.vhd);
  await releaseRunSpace(work);
  const started: StartedDistribution[] = [];
  for (const target of template.properties.distribute) {
    try {
      started.push(await startDistribution(ctx, target, { ...image, sourceVersion: state.sourceVersion }));
      log.line(`Distributing to ${target.type} '${target.runOutputName}'`);
    } catch (error) {
      started.push({ output: { runOutputName: target.runOutputName, provisioningState: 'Failed' } });
      log.line(`Distribution to ${target.type} '${target.runOutputName}' failed: ${(error as Error).message}`);
    }
  }
  log.close();
  const finish: FinishRunPayload = { ...payload, started, image: { region: image.region, key: image.key }, keepImage: template.properties.distribute.some((d) => d.type === 'VHD'), logPath: log.path, work };
  ctx.jobs.nudge();
  return [ctx.jobs.enqueueWrite({ task: 'imageTemplate.finishRun', payload: finish, maxAttempts: 3 })];
}

/** Seals the log into the template's region, removes the working files, and records the run's end. */
async function endRun(
  ctx: DomainContext,
  payload: RunPayload,
  log: BuildLog,
  work: string,
  keep: boolean,
  runState: RunState,
  message: string,
  outputs: RunOutput[],
  blobs: ImageTemplateInternal['blobs'],
): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: ImageTemplate; internal: ImageTemplateInternal }>(payload.key);
  log.line(`Run ${runState}${message ? `: ${message}` : ''}`);
  log.close();
  const logBlob = await sealLog(ctx, record?.data.resource.location ?? ctx.settings.regions[0].name, payload.runId, log.path);
  if (!keep) await removeRunWork(work);
  return finalWrites(ctx, payload, runState, message, outputs, blobs, logBlob);
}

/** A run its builder principal may not do ends Failed at once; its log holds the reason alone. */
async function refuseWithoutBuilderAccess(ctx: DomainContext, payload: RunPayload, template: ImageTemplate): Promise<Write[] | undefined> {
  try {
    await requireBuilderAccess(ctx, template);
    return undefined;
  } catch (error) {
    if (!(error instanceof ArmError) || error.status >= 500) throw error;
    const logBlob = { region: template.location, key: logBlobKey(payload.runId) };
    await ctx.regions.get(logBlob.region)!.put(logBlob.key, Buffer.from(logLines(`Run Failed: ${error.message}`, ctx.clock.now())), { overwrite: true });
    return finalWrites(ctx, payload, 'Failed', error.message, [], [], logBlob);
  }
}

function customizerStep(customizer: ImageTemplate['properties']['customize'][number], deps: CustomizerDeps): BuildStep<RootFsState> {
  switch (customizer.type) {
    case 'Shell':
      return shellStep(customizer, deps);
    case 'File':
      return fileStep(customizer, deps);
    case 'PowerShell':
      return powerShellStep(customizer, deps);
  }
}

/** With `onCustomizerError: abort`, a failed customizer leaves the staging group and working files in place. */
function keepOnAbort(template: ImageTemplate, step: BuildStep<RootFsState>): BuildStep<BuildState> {
  return {
    name: step.name,
    run: async (state, ctx) => {
      try {
        await step.run(state, ctx);
      } catch (error) {
        if (template.properties.errorHandling.onCustomizerError === 'abort' && !ctx.signal.aborted) state.keep = true;
        throw error;
      }
    },
    ...(step.cleanup ? { cleanup: (state: BuildState, ctx) => step.cleanup!(state, ctx) } : {}),
  };
}

/** A step that failed once the run's space was full failed for that reason: say so, naming the limit and its setting. */
function explainDiskFull(step: BuildStep<BuildState>): BuildStep<BuildState> {
  return {
    ...step,
    run: async (state, ctx) => {
      try {
        await step.run(state, ctx);
      } catch (error) {
        if (state.diskLimit && (await runSpaceFull(state.work))) throw new DiskLimitReached(state.diskLimit, error);
        throw error;
      }
    },
  };
}

const minutes = (n: number) => `${n} minute${n === 1 ? '' : 's'}`;

const isTimeout = (signal: AbortSignal) => (signal.reason as ArmError | undefined)?.code === 'OperationTimedOut';

function failureMessage(step: string | undefined, error: unknown, log: BuildLog): string {
  const text = error instanceof Error ? error.message : String(error);
  return `Step '${step ?? 'unknown'}' failed: ${text}${/last lines|Last lines/.test(text) ? '' : `\nLast lines of customization.log:\n${log.tail(10).join('\n')}`}`;
}

async function finalWrites(
  ctx: DomainContext,
  payload: RunPayload,
  runState: RunState,
  message: string,
  runOutputs: RunOutput[],
  blobs: ImageTemplateInternal['blobs'],
  logBlob: { region: string; key: string },
): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: ImageTemplate; internal: ImageTemplateInternal }>(payload.key);
  const status = runState === 'Succeeded' || runState === 'PartiallySucceeded' ? 'Succeeded' : runState === 'Canceled' ? 'Canceled' : 'Failed';
  const error: ArmErrorBody | undefined = status === 'Failed' ? { code: 'BuildFailed', message } : undefined;
  const done = finishOperation(payload.operation, ctx.clock.now(), { status, ...(error ? { error } : {}) });
  if (!record) return [done];
  const previous = record.data.resource.properties.lastRunStatus;
  const resource = withRunStatus(record.data.resource, { startTime: previous?.startTime, endTime: ctx.clock.now().toISOString(), runState, message });
  const oldBlobs = record.data.internal.blobs;
  const internal: ImageTemplateInternal = { ...record.data.internal, runOutputs, blobs: [...blobs, logBlob], log: { blob: logBlob }, cancelOperation: undefined };
  const writes: Write[] = [{ op: 'put', record: { ...record, data: { resource, internal } }, expect: { etag: record.etag } }, done];
  if (record.data.internal.cancelOperation) writes.push(finishOperation(record.data.internal.cancelOperation, ctx.clock.now(), { status: 'Succeeded' }));
  if (oldBlobs.length > 0) writes.push(ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: oldBlobs } }));
  return writes;
}

/**
 * A run that could not even record its outcome (the worker gave up on it) still ends Failed, never
 * stuck Running, and what its killed attempts left (staging group, working files) goes too.
 */
async function recordFailure(ctx: DomainContext, payload: RunPayload, error: ArmErrorBody, workRoot?: string): Promise<Write[]> {
  const canceled = error.code === 'OperationCanceled';
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: canceled ? 'Canceled' : 'Failed', ...(canceled ? {} : { error }) });
  const record = await ctx.store.get<{ resource: ImageTemplate; internal: ImageTemplateInternal }>(payload.key);
  const current = record && record.data.internal.runId === payload.runId ? record : undefined;
  // What the killed attempts logged stays readable through customizationLog, with how the run ended.
  const logBlob = current && workRoot ? await keepLog(ctx, current.data.resource.location, payload.runId, join(workRoot, payload.runId, 'customization.log'), error.message) : undefined;
  if (workRoot) await removeRunWork(join(workRoot, payload.runId));
  if (!current) return [done];
  const previous = current.data.resource.properties.lastRunStatus;
  const resource = withRunStatus(current.data.resource, { startTime: previous?.startTime, endTime: ctx.clock.now().toISOString(), runState: canceled ? 'Canceled' : 'Failed', message: error.message });
  const internal: ImageTemplateInternal = { ...current.data.internal, cancelOperation: undefined, ...(logBlob ? { log: { blob: logBlob }, blobs: [...current.data.internal.blobs, logBlob] } : {}) };
  const writes: Write[] = [
    { op: 'put', record: { ...current, data: { resource, internal } }, expect: { etag: current.etag } },
    { op: 'delete', key: stagingGroup(current.data.resource, current.subscription, payload.runId).key },
    done,
  ];
  if (current.data.internal.cancelOperation) writes.push(finishOperation(current.data.internal.cancelOperation, ctx.clock.now(), { status: 'Succeeded' }));
  return writes;
}

/** Seals a run's log file, if its attempts got as far as writing one, with how the run ended. */
async function keepLog(ctx: DomainContext, region: string, runId: string, path: string, ending: string): Promise<{ region: string; key: string } | undefined> {
  if (!(await stat(path).catch(() => undefined))) return undefined;
  const log = openBuildLog(path, { clock: ctx.clock });
  log.line(`Run ended: ${ending}`);
  log.close();
  return sealLog(ctx, region, runId, path);
}

const logBlobKey = (runId: string) => `imagetemplates/${runId}/customization.log`;

/** The run's customization.log as a blob in the template's region, where it stays readable after the run. */
async function sealLog(ctx: DomainContext, region: string, runId: string, path: string): Promise<{ region: string; key: string }> {
  const blob = { region, key: logBlobKey(runId) };
  await ctx.regions.get(region)!.put(blob.key, createReadStream(path), { overwrite: true });
  return blob;
}
