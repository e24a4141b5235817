/**
 * How a run ends on its template: `lastRunStatus` gets its end state and message, the run outputs
 * and the blobs it leaves (a VHD target's copy, its log) are recorded, its operation and a pending
 * cancel's operation finish, and the previous run's blobs are queued for deletion, all in the one
 * batch the job applies with its own removal. The live log is sealed into one region blob first, the
 * same bytes at the same offsets, and its segments deleted by a job queued in that batch, so
 * `customizationLog` goes from one to the other without a reader noticing.
 */
import { ArmError, type ArmErrorBody } from '../../../core/arm-error.ts';
import { logLines } from '../../../core/log-lines.ts';
import type { Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import { finishOperation } from '../../operations/operation.ts';
import type { BlobLocation } from '../../shared/blob-copy.ts';
import { requireBuilderAccess } from '../builder-access.ts';
import type { ImageTemplate, ImageTemplateInternal, ImageTemplateRecord, RunState } from '../image-template.ts';
import type { RunOutput, RunPayload } from '../run-payloads.ts';
import { liveLogPrefix, sealLiveLog } from './live-log.ts';
import { withEndedRun } from './run-history.ts';
import type { RunLog } from './run-log.ts';
import { currentRun, stagingGroup, withRunStatus } from './run-status.ts';
import { linuxCustomizers } from './windows-refusal.ts';

/** Writes the run's last line, seals its log into the template's region and returns what records its end. */
export async function endRun(
  ctx: DomainContext,
  payload: RunPayload,
  log: RunLog,
  ending: { runState: RunState; message: string; outputs?: RunOutput[]; blobs?: BlobLocation[] },
): Promise<Write[]> {
  const record = await ctx.store.get<ImageTemplateRecord['data']>(payload.key);
  log.line(`Run ${ending.runState}${ending.message ? `: ${ending.message}` : ''}`);
  await log.close();
  const region = record?.data.resource.location;
  const logBlob = region ? await sealLog(ctx, region, payload.runId) : undefined;
  const writes = await finalWrites(
    ctx,
    payload,
    ending.runState,
    ending.message,
    ending.outputs ?? [],
    ending.blobs ?? [],
    logBlob,
  );
  return [...writes, deleteLiveLog(ctx, region, payload.runId)];
}

/** What ended a build that did not finish: a cancel, its timeout (`buildTimeoutInMinutes`), or the step that failed. */
export function buildEnding(
  template: ImageTemplate,
  built: { canceled: boolean; failedStep?: string; error: unknown },
  signal: AbortSignal,
  log: RunLog,
): { runState: RunState; message: string } {
  const timedOut = (signal.reason as ArmError | undefined)?.code === 'OperationTimedOut';
  if (built.canceled && !timedOut) return { runState: 'Canceled', message: 'The run was canceled.' };
  if (built.canceled)
    return {
      runState: 'Failed',
      message: `The build did not finish within its timeout of ${minutes(template.properties.buildTimeoutInMinutes || 240)}.`,
    };
  return { runState: 'Failed', message: failureMessage(built.failedStep, built.error, log) };
}

/**
 * A run its builder principal may not do, or that needs Windows (windows-refusal.ts), ends Failed at
 * once, before it has a work folder or staging group; its log, written whole, holds the reason alone.
 * Undefined when the run may go on.
 */
export async function refuseBeforeWork(
  ctx: DomainContext,
  payload: RunPayload,
  template: ImageTemplate,
): Promise<Write[] | undefined> {
  try {
    await requireBuilderAccess(ctx, template);
    linuxCustomizers(template.properties.customize);
    return undefined;
  } catch (error) {
    if (!(error instanceof ArmError) || error.status >= 500) throw error;
    const logBlob = { region: template.location, key: logBlobKey(payload.runId) };
    await ctx.regions
      .get(logBlob.region)!
      .put(logBlob.key, Buffer.from(logLines(`Run Failed: ${error.message}`, ctx.clock.now())), { overwrite: true });
    return finalWrites(ctx, payload, 'Failed', error.message, [], [], logBlob);
  }
}

/**
 * A run that could not even record its outcome (the worker gave up on it) still ends Failed, never
 * stuck Running, and its staging group goes. What its killed attempts logged (when they got as far
 * as writing something: `openLog` of the template's region answers the log then) stays readable
 * through customizationLog, with how the run ended.
 */
export async function recordRunFailure(
  ctx: DomainContext,
  payload: RunPayload,
  error: ArmErrorBody,
  openLog?: (region: string) => Promise<RunLog | undefined>,
): Promise<Write[]> {
  const canceled = error.code === 'OperationCanceled';
  const done = finishOperation(payload.operation, ctx.clock.now(), {
    status: canceled ? 'Canceled' : 'Failed',
    ...(canceled ? {} : { error }),
  });
  const current = await currentRun(ctx, payload);
  const region = current?.data.resource.location;
  const log = region && openLog ? await openLog(region) : undefined;
  log?.line(`Run ended: ${error.message}`);
  await log?.close();
  const logBlob = region && log ? await sealLog(ctx, region, payload.runId) : undefined;
  // Where the run is no longer the template's, its region is not known: every region is cleared.
  if (!current) return [done, deleteLiveLog(ctx, undefined, payload.runId)];
  const previous = current.data.resource.properties.lastRunStatus;
  const resource = withRunStatus(current.data.resource, {
    startTime: previous?.startTime,
    endTime: ctx.clock.now().toISOString(),
    runState: canceled ? 'Canceled' : 'Failed',
    message: error.message,
  });
  const internal: ImageTemplateInternal = {
    ...withEndedRun(current.data.internal, resource),
    cancelOperation: undefined,
    ...(logBlob ? { log: { blob: logBlob }, blobs: [...current.data.internal.blobs, logBlob] } : {}),
  };
  const writes: Write[] = [
    { op: 'put', record: { ...current, data: { resource, internal } }, expect: { etag: current.etag } },
    ...stagingGroupDeletes(current.data.resource, current.subscription, payload.runId),
    done,
    ...(logBlob ? [deleteLiveLog(ctx, region, payload.runId)] : []),
  ];
  if (current.data.internal.cancelOperation)
    writes.push(finishOperation(current.data.internal.cancelOperation, ctx.clock.now(), { status: 'Succeeded' }));
  return writes;
}

/** The run's own staging group goes with it; a template's lasting one stays (run-status.ts). */
function stagingGroupDeletes(template: ImageTemplate, subscription: string, runId: string): Write[] {
  const group = stagingGroup(template, subscription, runId);
  return group.lasting ? [] : [{ op: 'delete', key: group.key }];
}

async function finalWrites(
  ctx: DomainContext,
  payload: RunPayload,
  runState: RunState,
  message: string,
  runOutputs: RunOutput[],
  blobs: BlobLocation[],
  logBlob: BlobLocation | undefined,
): Promise<Write[]> {
  const record = await ctx.store.get<ImageTemplateRecord['data']>(payload.key);
  const status =
    runState === 'Succeeded' || runState === 'PartiallySucceeded'
      ? 'Succeeded'
      : runState === 'Canceled'
        ? 'Canceled'
        : 'Failed';
  const error: ArmErrorBody | undefined = status === 'Failed' ? { code: 'BuildFailed', message } : undefined;
  const done = finishOperation(payload.operation, ctx.clock.now(), { status, ...(error ? { error } : {}) });
  if (!record) return [done];
  const previous = record.data.resource.properties.lastRunStatus;
  const resource = withRunStatus(record.data.resource, {
    startTime: previous?.startTime,
    endTime: ctx.clock.now().toISOString(),
    runState,
    message,
  });
  const oldBlobs = record.data.internal.blobs;
  const internal: ImageTemplateInternal = {
    ...withEndedRun(record.data.internal, resource),
    runOutputs,
    blobs: logBlob ? [...blobs, logBlob] : blobs,
    log: logBlob ? { blob: logBlob } : record.data.internal.log,
    cancelOperation: undefined,
  };
  const writes: Write[] = [
    { op: 'put', record: { ...record, data: { resource, internal } }, expect: { etag: record.etag } },
    done,
  ];
  if (record.data.internal.cancelOperation)
    writes.push(finishOperation(record.data.internal.cancelOperation, ctx.clock.now(), { status: 'Succeeded' }));
  if (oldBlobs.length > 0) writes.push(ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: oldBlobs } }));
  return writes;
}

const logBlobKey = (runId: string) => `imagetemplates/${runId}/customization.log`;

/** The run's customization.log as a blob in the template's region, where it stays readable after the run. */
async function sealLog(ctx: DomainContext, region: string, runId: string): Promise<BlobLocation> {
  const blob = { region, key: logBlobKey(runId) };
  await sealLiveLog(ctx.regions.get(region)!, runId, blob.key);
  return blob;
}

/** The job deleting the run's live log segments, once sealed: in its template's region, or every region when that is not known. */
function deleteLiveLog(ctx: DomainContext, region: string | undefined, runId: string): Write {
  const prefix = liveLogPrefix(runId);
  const regions = region ? [region] : ctx.regions.regions();
  return ctx.jobs.enqueueWrite({
    task: 'blobs.delete',
    payload: { blobs: [], prefixes: regions.map((name) => ({ region: name, prefix })) },
  });
}

const minutes = (n: number) => `${n} minute${n === 1 ? '' : 's'}`;

function failureMessage(step: string | undefined, error: unknown, log: RunLog): string {
  const text = error instanceof Error ? error.message : String(error);
  return `Step '${step ?? 'unknown'}' failed: ${text}${/last lines|Last lines/.test(text) ? '' : `\nLast lines of customization.log:\n${log.tail(10).join('\n')}`}`;
}
