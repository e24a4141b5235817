/**
 * Starting and canceling runs of an image template (`POST .../run`, `.../cancel`). The run itself
 * (stage, source, customize, generalize, distribute) is a durable job; what it records on the
 * template while it lasts and when it ends is in `run/`.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import type { ImageTemplate, ImageTemplateInternal } from './image-template.ts';
import { getTemplate, type TemplateRef } from './operations.ts';
import { withRunStatus } from './run/run-status.ts';
import { startRun } from './run/start-run.ts';

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
  const run = startRun(ctx, ref.subscription, template, record.data.internal);
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(run.template, run.internal), expect: { etag: record.etag } },
    ...run.writes,
  ]);
  ctx.jobs.nudge();
  return run.operation;
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
  // The run changes the template (sub-states) and its job record (lease renewals) as it goes: read again then.
  return retryOnRace(async () => {
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
  });
}
