/**
 * Starting and canceling runs of an image template (`POST .../run`, `.../cancel`). The run itself
 * (stage, source, customize, generalize, distribute) is a durable job; what it records on the
 * template while it lasts and when it ends is in `run/`.
 */
import { ArmError } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import type { ImageTemplate, ImageTemplateInternal } from './image-template.ts';
import { getTemplate, type TemplateRef } from './operations.ts';
import { withRunStatus } from './run/run-status.ts';

/** Azure's default when `buildTimeoutInMinutes` is 0. */
const DEFAULT_TIMEOUT_MINUTES = 240;

export async function runTemplate(ctx: DomainContext, ref: TemplateRef): Promise<OperationData> {
  const record = await getTemplate(ctx, ref);
  const template = record.data.resource;
  if (['Running', 'Canceling'].includes(template.properties.lastRunStatus?.runState ?? '')) {
    throw new ArmError(
      409,
      'Conflict',
      `The image template '${template.name}' is already running; cancel it or wait for it to finish.`,
    );
  }
  if (template.properties.provisioningState === 'Failed') throw notProvisioned(template);
  const operation = startOperationOn(
    template,
    { subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
  );
  const runId = newGuid();
  const minutes = template.properties.buildTimeoutInMinutes || DEFAULT_TIMEOUT_MINUTES;
  const job = ctx.jobs.enqueueWrite({
    task: 'imageTemplate.run',
    payload: { key: record.key, runId, operation: operation.data },
    maxAttempts: 3,
    timeoutMs: minutes * 60_000,
  });
  const next = withRunStatus(template, {
    runState: 'Running',
    runSubState: 'Queued',
    startTime: ctx.clock.now().toISOString(),
    message: '',
  });
  // The previous run's log is not this run's: readers wait for the new one instead of reading the old as complete.
  const internal: ImageTemplateInternal = {
    ...record.data.internal,
    runJobKey: job.op === 'put' ? job.record.key : undefined,
    runId,
    log: undefined,
  };
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, internal), expect: { etag: record.etag } },
    operation.write,
    job,
  ]);
  ctx.jobs.nudge();
  return operation.data;
}

/** A template that failed validation never runs (worded as Azure words operations a provisioning state forbids). */
function notProvisioned(template: ImageTemplate): ArmError {
  const error = template.properties.provisioningError;
  return new ArmError(
    409,
    'OperationNotAllowed',
    `Operation 'Run' is not allowed in provisioningState 'Failed': the image template '${template.name}' failed validation with ${error?.provisioningErrorCode}: ${error?.message} Fix that, then PUT the same template again to validate it anew, or delete it.`,
  );
}

/** Asks the running build to stop; it cleans up and ends Canceled within seconds. */
export async function cancelTemplateRun(ctx: DomainContext, ref: TemplateRef): Promise<OperationData> {
  const record = await getTemplate(ctx, ref);
  const template = record.data.resource;
  if (template.properties.lastRunStatus?.runState !== 'Running') {
    throw new ArmError(
      409,
      'Conflict',
      `The image template '${template.name}' has no run to cancel (its last run is ${template.properties.lastRunStatus?.runState ?? 'none'}).`,
    );
  }
  const operation = startOperationOn(
    template,
    { subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
  );
  const cancel = record.data.internal.runJobKey
    ? await ctx.jobs.cancelWrite(record.data.internal.runJobKey)
    : undefined;
  const next = withRunStatus(template, {
    ...template.properties.lastRunStatus,
    runState: 'Canceling',
    message: 'Cancel requested.',
  });
  // The cancel operation ends when the run does: the run job finishes it with its own.
  const internal: ImageTemplateInternal = { ...record.data.internal, cancelOperation: operation.data };
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, internal), expect: { etag: record.etag } },
    operation.write,
    ...(cancel ? [cancel] : []),
  ]);
  ctx.jobs.nudge();
  return operation.data;
}
