/**
 * What a run shows on its template while it lasts: `lastRunStatus` (state and sub-state), the
 * platform image version `latest` resolved to, and the staging resource group users can see. Every
 * write here goes through `updateRun`, which retries over concurrent updates (a cancel, tags), and
 * changes nothing once the template's run is another one.
 */
import { parseResourceId, resourceGroupId, resourceKey } from '../../../core/resource-id.ts';
import type { Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import { newResourceGroup } from '../../resource-groups/resource-group.ts';
import { resourceRecord } from '../../shared/arm-resource.ts';
import type {
  ImageTemplate,
  ImageTemplateInternal,
  ImageTemplateProperties,
  ImageTemplateRecord,
  RunSubState,
} from '../image-template.ts';
import type { RunPayload } from '../run-payloads.ts';
import { withRunStep } from './run-history.ts';

export function withRunStatus(
  template: ImageTemplate,
  status: NonNullable<ImageTemplateProperties['lastRunStatus']>,
): ImageTemplate {
  return { ...template, properties: { ...template.properties, lastRunStatus: status } };
}

/** Applies `change` to the template's current state, retrying over concurrent updates (a cancel, tags). */
export async function updateRun(
  ctx: DomainContext,
  key: string,
  change: (record: ImageTemplateRecord) => { resource: ImageTemplate; internal: ImageTemplateInternal } | undefined,
  extra: Write[] = [],
): Promise<void> {
  for (;;) {
    const record = (await ctx.store.get<ImageTemplateRecord['data']>(key)) as ImageTemplateRecord | undefined;
    const next = record && change(record);
    if (!record || !next) return;
    try {
      await ctx.store.apply([
        { op: 'put', record: resourceRecord(next.resource, next.internal), expect: { etag: record.etag } },
        ...extra,
      ]);
      return;
    } catch (error) {
      if ((error as Error).name !== 'ExpectationFailedError') throw error;
    }
  }
}

/** The template, while this payload's run is still its run; undefined once another run (or none) replaced it. */
export async function currentRun(ctx: DomainContext, payload: RunPayload): Promise<ImageTemplateRecord | undefined> {
  const record = (await ctx.store.get<ImageTemplateRecord['data']>(payload.key)) as ImageTemplateRecord | undefined;
  return record && record.data.internal.runId === payload.runId ? record : undefined;
}

/** Shows what the run is doing (Building, Customizing, Distributing), unless it is no longer running. */
export function setRunSubState(ctx: DomainContext, payload: RunPayload, runSubState: RunSubState): Promise<void> {
  return updateRun(ctx, payload.key, (r) =>
    r.data.internal.runId === payload.runId && r.data.resource.properties.lastRunStatus?.runState === 'Running'
      ? {
          resource: withRunStatus(r.data.resource, { ...r.data.resource.properties.lastRunStatus, runSubState }),
          internal: withRunStep(r.data.internal, runSubState, ctx.clock.now()),
        }
      : undefined,
  );
}

/** As Azure shows it: the version `latest` resolved to, on the template's source. */
export function recordExactVersion(ctx: DomainContext, payload: RunPayload, exactVersion: string): Promise<void> {
  return updateRun(ctx, payload.key, (r) => ({
    resource: {
      ...r.data.resource,
      properties: {
        ...r.data.resource.properties,
        source: { ...r.data.resource.properties.source, exactVersion } as typeof r.data.resource.properties.source,
      },
    },
    internal: r.data.internal,
  }));
}

/**
 * The run's staging resource group, which users see while the run lasts: the template's
 * `stagingResourceGroup` when it names one, made by the run if it does not exist and then kept
 * between runs (`lasting`), as Azure keeps it until the template's delete (staging-group.ts); else
 * `IT_<group>_<template>_<id>`, made for the run and removed after it.
 */
export function stagingGroup(template: ImageTemplate, subscription: string, runId: string) {
  const named = template.properties.stagingResourceGroup;
  const [, , , , group] = template.id.split('/');
  const name = named
    ? parseResourceId(named)!.resourceGroup!
    : `${stagingGroupPrefix(group, template.name)}${runId.slice(0, 8)}`.slice(0, 90);
  const resource = newResourceGroup(subscription, name, template.location, {
    createdBy: 'AzureVMImageBuilder',
    imageTemplateName: template.name,
  });
  const write: Write = {
    op: 'put',
    record: resourceRecord(resource, {}),
    ...(named ? { expect: { absent: true } } : {}),
  };
  return { name, key: resourceKey(resourceGroupId(subscription, name)), write, lasting: named !== undefined };
}

/** What every run's staging group name of this template starts with (before the 90-character cut). */
export const stagingGroupPrefix = (resourceGroup: string, templateName: string) =>
  `IT_${resourceGroup}_${templateName}_`;
