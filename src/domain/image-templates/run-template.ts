/**
 * Starting, canceling and recording runs of an image template. The run itself (source, customize,
 * generalize, distribute) is a durable job; this is its bookkeeping on the template resource:
 * `lastRunStatus`, run outputs, and the staging resource group users can see while it runs.
 */
import { ArmError } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { resourceGroupId, resourceKey } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperation, type OperationData } from '../operations/operation.ts';
import { newResourceGroup } from '../resource-groups/resource-group.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import type { ImageTemplate, ImageTemplateInternal, ImageTemplateProperties, ImageTemplateRecord } from './image-template.ts';
import { getTemplate, type TemplateRef } from './operations.ts';

/** Azure's default when `buildTimeoutInMinutes` is 0. */
const DEFAULT_TIMEOUT_MINUTES = 240;

export async function runTemplate(ctx: DomainContext, ref: TemplateRef): Promise<OperationData> {
  const record = await getTemplate(ctx, ref);
  const template = record.data.resource;
  if (['Running', 'Canceling'].includes(template.properties.lastRunStatus?.runState ?? '')) {
    throw new ArmError(409, 'Conflict', `The image template '${template.name}' is already running; cancel it or wait for it to finish.`);
  }
  if (template.properties.provisioningState === 'Failed') throw notProvisioned(template);
  const operation = startOperation({ subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages', location: template.location, resourceId: template.id }, ctx.clock.now());
  const runId = newGuid();
  const minutes = template.properties.buildTimeoutInMinutes || DEFAULT_TIMEOUT_MINUTES;
  const job = ctx.jobs.enqueueWrite({ task: 'imageTemplate.run', payload: { key: record.key, runId, operation: operation.data }, maxAttempts: 3, timeoutMs: minutes * 60_000 });
  const next = withRunStatus(template, { runState: 'Running', runSubState: 'Queued', startTime: ctx.clock.now().toISOString(), message: '' });
  // The previous run's log is not this run's: readers wait for the new one instead of reading the old as complete.
  const internal: ImageTemplateInternal = { ...record.data.internal, runJobKey: job.op === 'put' ? job.record.key : undefined, runId, log: undefined };
  await ctx.store.apply([{ op: 'put', record: resourceRecord(next, internal), expect: { etag: record.etag } }, operation.write, job]);
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
    throw new ArmError(409, 'Conflict', `The image template '${template.name}' has no run to cancel (its last run is ${template.properties.lastRunStatus?.runState ?? 'none'}).`);
  }
  const operation = startOperation({ subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages', location: template.location, resourceId: template.id }, ctx.clock.now());
  const cancel = record.data.internal.runJobKey ? await ctx.jobs.cancelWrite(record.data.internal.runJobKey) : undefined;
  const next = withRunStatus(template, { ...template.properties.lastRunStatus, runState: 'Canceling', message: 'Cancel requested.' });
  // The cancel operation ends when the run does: the run job finishes it with its own.
  const internal: ImageTemplateInternal = { ...record.data.internal, cancelOperation: operation.data };
  await ctx.store.apply([{ op: 'put', record: resourceRecord(next, internal), expect: { etag: record.etag } }, operation.write, ...(cancel ? [cancel] : [])]);
  ctx.jobs.nudge();
  return operation.data;
}

export function withRunStatus(template: ImageTemplate, status: NonNullable<ImageTemplateProperties['lastRunStatus']>): ImageTemplate {
  return { ...template, properties: { ...template.properties, lastRunStatus: status } };
}

/** Applies `change` to the template's current state, retrying over concurrent updates (a cancel, tags). */
export async function updateRun(ctx: DomainContext, key: string, change: (record: ImageTemplateRecord) => { resource: ImageTemplate; internal: ImageTemplateInternal } | undefined, extra: Write[] = []): Promise<void> {
  for (;;) {
    const record = (await ctx.store.get<ImageTemplateRecord['data']>(key)) as ImageTemplateRecord | undefined;
    const next = record && change(record);
    if (!record || !next) return;
    try {
      await ctx.store.apply([{ op: 'put', record: resourceRecord(next.resource, next.internal), expect: { etag: record.etag } }, ...extra]);
      return;
    } catch (error) {
      if ((error as Error).name !== 'ExpectationFailedError') throw error;
    }
  }
}

/** The staging resource group `IT_<group>_<template>_<id>`, which users see while the run lasts. */
export function stagingGroup(template: ImageTemplate, subscription: string, runId: string) {
  const [, , , , group] = template.id.split('/');
  const name = `${stagingGroupPrefix(group, template.name)}${runId.slice(0, 8)}`.slice(0, 90);
  const resource = newResourceGroup(subscription, name, template.location, { createdBy: 'AzureVMImageBuilder', imageTemplateName: template.name });
  return { name, key: resourceKey(resourceGroupId(subscription, name)), write: { op: 'put', record: resourceRecord(resource, {}) } as Write };
}

/** What every run's staging group name of this template starts with (before the 90-character cut). */
export const stagingGroupPrefix = (resourceGroup: string, templateName: string) => `IT_${resourceGroup}_${templateName}_`;
