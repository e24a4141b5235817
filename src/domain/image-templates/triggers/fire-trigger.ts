/**
 * How a `SourceImage` trigger runs its template. The batch that makes a new gallery image version
 * Succeeded (its replication's end) also enqueues one `imageTemplate.trigger` job per trigger watching
 * its definition (`versionCreatedWrites`), so no new version is lost to a crash: the job starts the run
 * in one batch with the template and the trigger's status, which says what the trigger did and why
 * when it did not run the template. A run under way is waited for (the new version is built once it
 * ends), as a user who asked for every version to be built expects.
 *
 * As in Azure, a template whose last DEACTIVATE_AFTER_FAILURES runs failed (run by hand or by a
 * trigger) is no longer run by its triggers until a run succeeds again: Azure says "multiple times
 * consecutively" without a number; Kiln takes 3.
 */
import { ArmError, type ArmErrorBody } from '../../../core/arm-error.ts';
import { parseResourceId, resourceKey } from '../../../core/resource-id.ts';
import type { Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import type { GalleryImageVersionRecord } from '../../gallery-image-versions/gallery-image-version.ts';
import { resolveLatest } from '../../gallery-image-versions/latest.ts';
import { resourceRecord } from '../../shared/arm-resource.ts';
import type { ImageTemplateRecord } from '../image-template.ts';
import { startRun } from '../run/start-run.ts';
import { watchedDefinition, watchesOf, type TriggerRecord, type TriggerStatus } from './trigger.ts';

export const DEACTIVATE_AFTER_FAILURES = 3;

/** A trigger to fire for a new version: the trigger's key and the version's id. */
export interface TriggerPayload {
  trigger: string;
  version: string;
}

/**
 * The writes that go in the batch making `version` Succeeded: a job per trigger watching its
 * definition when the version was being created (not when an update replicated it further).
 */
export async function versionCreatedWrites(ctx: DomainContext, version: GalleryImageVersionRecord): Promise<Write[]> {
  if (version.data.resource.properties.provisioningState !== 'Creating' || !version.parent) return [];
  const watches = await ctx.store.list<{ trigger: string }>(watchesOf(version.parent));
  return watches.map((watch) =>
    ctx.jobs.enqueueWrite({
      task: 'imageTemplate.trigger',
      payload: { trigger: watch.data.trigger, version: version.data.resource.id },
    }),
  );
}

/**
 * The job side: starts the template's run, or records on the trigger why it did not; undefined while
 * the template runs (the job checks back).
 */
export async function fireTrigger(ctx: DomainContext, payload: TriggerPayload): Promise<Write[] | undefined> {
  const trigger = (await ctx.store.get<TriggerRecord['data']>(payload.trigger)) as TriggerRecord | undefined;
  const record = trigger?.parent
    ? ((await ctx.store.get<ImageTemplateRecord['data']>(trigger.parent)) as ImageTemplateRecord | undefined)
    : undefined;
  if (!trigger || !record) return [];
  const template = record.data.resource;
  if (['Running', 'Canceling'].includes(template.properties.lastRunStatus?.runState ?? '')) return undefined;
  const version = parseResourceId(payload.version)!.types[2][1];
  const status = (code: TriggerStatus['code'], message: string) => statusWrite(ctx, trigger, code, message);
  // Only a provisioned template runs (as a run by hand: run-template.ts). Kiln stores a template
  // Succeeded or Failed; any other state is named as it is.
  const state = template.properties.provisioningState;
  if (state !== 'Succeeded')
    return [
      status(
        'Unhealthy',
        state === 'Failed'
          ? `Version '${version}' was created, but the template failed validation and cannot run: ${template.properties.provisioningError?.message ?? ''} PUT the template again once that is fixed.`
          : `Version '${version}' was created, but the template is in provisioningState '${state}', not 'Succeeded', so it was not run.`,
      ),
    ];
  // A PATCH of its targets may have made the template one a trigger cannot have (it would run itself).
  const refusal = refusalOf(() => watchedDefinition(template));
  if (refusal) return [status('Unhealthy', `Version '${version}' was created, but ${refusal}`)];
  const failures = leadingFailures(record);
  if (failures >= DEACTIVATE_AFTER_FAILURES)
    return [
      status(
        'Unhealthy',
        `Version '${version}' was created, but the trigger is deactivated: the template's last ${failures} runs failed. Run the template by hand; once a run succeeds the trigger runs it again.`,
      ),
    ];
  const source = template.properties.source;
  const sourceId = source.type === 'SharedImageVersion' ? parseResourceId(source.imageVersionId) : undefined;
  const latest =
    sourceId &&
    (await resolveLatest(ctx, sourceId, 'properties.source.imageVersionId', template.location).catch(() => undefined));
  if (latest?.key !== resourceKey(payload.version))
    return [
      status(
        'Healthy',
        `Version '${version}' was created, but 'latest' in the template's region '${template.location}' is ${latest ? `'${latest.data.resource.name}'` : 'no version'} (a newer version, which its own trigger run builds, or the new version is excluded from latest or not replicated there), so the template was not run for it.`,
      ),
    ];
  const run = startRun(ctx, parseResourceId(template.id)!.subscription, template, record.data.internal);
  return [
    { op: 'put', record: resourceRecord(run.template, run.internal), expect: { etag: record.etag } },
    ...run.writes,
    status(
      'Healthy',
      `Version '${version}' of the source image definition was created: run ${run.internal.runId} started.`,
    ),
  ];
}

/** The message of the ArmError `check` throws, if it does. */
function refusalOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    return error.message;
  }
}

/** How many of the template's last runs failed in a row. */
function leadingFailures(record: ImageTemplateRecord): number {
  const history = record.data.internal.runHistory ?? [];
  const index = history.findIndex((run) => run.runState !== 'Failed');
  return index < 0 ? history.length : index;
}

/** A job that could not fire the trigger leaves it Unhealthy, saying why. */
export async function failTrigger(ctx: DomainContext, payload: TriggerPayload, error: ArmErrorBody): Promise<Write[]> {
  const trigger = (await ctx.store.get<TriggerRecord['data']>(payload.trigger)) as TriggerRecord | undefined;
  if (!trigger) return [];
  const version = parseResourceId(payload.version)!.types[2][1];
  return [
    statusWrite(ctx, trigger, 'Unhealthy', `Running the template for version '${version}' failed: ${error.message}`),
  ];
}

/** The trigger showing what it did, now. */
function statusWrite(ctx: DomainContext, trigger: TriggerRecord, code: TriggerStatus['code'], message: string): Write {
  const status: TriggerStatus = { code, message, time: ctx.clock.now().toISOString() };
  const resource = { ...trigger.data.resource, properties: { ...trigger.data.resource.properties, status } };
  return { op: 'put', record: resourceRecord(resource, trigger.data.internal), expect: { etag: trigger.etag } };
}
