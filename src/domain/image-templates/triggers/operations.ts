/**
 * Triggers of an image template: one function per REST operation. A `SourceImage` trigger needs what
 * Azure requires of its template: a `SharedImageVersion` source naming `latest`, so that a run built
 * because of a new version builds that version. The trigger and its watch (trigger.ts) are written
 * and deleted together, with the template's one-trigger slot; deleting the template deletes its
 * triggers in the same batch (`triggerDeletes`). Azure's documented limits are in trigger-limits.ts.
 */
import { Problems } from '../../../core/arm-error.ts';
import { formatResourceId } from '../../../core/resource-id.ts';
import type { DomainContext } from '../../context.ts';
import { finishedOperationOn, type OperationData } from '../../operations/operation.ts';
import { getResource, requireResource, resourceRecord } from '../../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../../shared/conditions.ts';
import { listResources } from '../../shared/list-resources.ts';
import type { PageRequest } from '../../shared/paging.ts';
import { checkComputeResourceName, isObject, refuseUnknownFields } from '../../shared/validate.ts';
import { getTemplate, templateId, type TemplateRef } from '../operations.ts';
import { checkTriggerLimits } from './trigger-limits.ts';
import {
  slotKey,
  slotRecord,
  TRIGGER_KIND,
  TRIGGER_TYPE_NAME,
  watchedDefinition,
  watchKey,
  watchRecord,
  type Trigger,
  type TriggerInternal,
} from './trigger.ts';

/** A trigger: its `triggerName` under the template's ref. */
export type TriggerRef = TemplateRef & { triggerName: string };

const triggerId = (ref: TriggerRef) => {
  const id = templateId(ref);
  return { ...id, types: [...id.types, ['triggers', ref.triggerName]] as Array<[string, string]> };
};

function checkTriggerBody(body: Record<string, unknown>): void {
  const problems = new Problems();
  refuseUnknownFields(body, ['properties'], '', problems, { readOnly: ['id', 'name', 'type', 'systemData'] });
  const props = isObject(body.properties) ? body.properties : {};
  if (!isObject(body.properties)) problems.add('properties', "Required parameter 'properties' is missing (null).");
  else refuseUnknownFields(props, ['kind'], 'properties', problems, { readOnly: ['status', 'provisioningState'] });
  if (props.kind !== 'SourceImage')
    problems.add(
      'properties.kind',
      `The trigger kind '${String(props.kind)}' is not valid. Allowed values: SourceImage.`,
      'BadTriggerKind',
    );
  problems.throwIfAny();
}

/** PUT: 201 with a new trigger, Healthy; 200 with an existing one as it was (its only field, `kind`, cannot change). */
export async function createOrUpdateTrigger(
  ctx: DomainContext,
  ref: TriggerRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  checkComputeResourceName(ref.triggerName, 'triggerName');
  const templateRecord = await getTemplate(ctx, ref);
  const template = templateRecord.data.resource;
  checkTriggerBody(body);
  const definitionKey = watchedDefinition(template);
  const id = triggerId(ref);
  const existing = await getResource<Trigger, TriggerInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (existing) return { status: 200 as const, trigger: existing.data.resource, etag: existing.etag };
  await checkTriggerLimits(ctx, templateRecord, ref.triggerName);
  const trigger: Trigger = {
    id: formatResourceId(id),
    name: ref.triggerName,
    type: TRIGGER_TYPE_NAME,
    properties: {
      kind: 'SourceImage',
      // Azure's words for a trigger that has not fired yet.
      status: { code: 'Healthy', message: 'Trigger is active.', time: ctx.clock.now().toISOString() },
      provisioningState: 'Succeeded',
    },
  };
  const record = resourceRecord<Trigger, TriggerInternal>(trigger, { definitionKey, location: template.location });
  const [stored] = await ctx.store.apply([
    { op: 'put', record, expect: { absent: true } },
    { op: 'put', record: watchRecord(record, definitionKey) },
    { op: 'put', record: slotRecord(record), expect: { absent: true } },
  ]);
  return { status: 201 as const, trigger, etag: stored.etag };
}

export async function getTrigger(ctx: DomainContext, ref: TriggerRef) {
  await getTemplate(ctx, ref);
  return requireResource<Trigger, TriggerInternal>(ctx, triggerId(ref));
}

export async function listTriggers(ctx: DomainContext, ref: TemplateRef, page: PageRequest) {
  const template = await getTemplate(ctx, ref);
  return listResources<Trigger>(ctx, { kind: TRIGGER_KIND, parent: template.key }, page);
}

/** As a template's delete: 202 with an operation already Succeeded, or 204 when there was no trigger. */
export async function deleteTrigger(
  ctx: DomainContext,
  ref: TriggerRef,
  conditions?: Conditions,
): Promise<OperationData | undefined> {
  const template = (await getTemplate(ctx, ref)).data.resource;
  const existing = await getResource<Trigger, TriggerInternal>(ctx, triggerId(ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return undefined;
  const operation = finishedOperationOn(
    { id: existing.data.resource.id, location: template.location },
    { subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
    { status: 'Succeeded' },
  );
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    { op: 'delete', key: watchKey(existing.key) },
    { op: 'delete', key: slotKey(existing.parent!) },
    operation.write,
  ]);
  return operation.data;
}
