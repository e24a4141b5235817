/**
 * The limits Azure documents for image template triggers ("How to enable automatic image creation with
 * Azure Image Builder triggers"), checked before a new trigger is written:
 *  - one `SourceImage` trigger per template ("If you already have a SourceImage trigger on the image,
 *    you can't create a new one"); `SourceImage` is the only kind, so one trigger per template. The
 *    slot record (trigger.ts) makes it hold under concurrent PUTs; this check names the trigger there.
 *  - TRIGGERS_PER_REGION triggers per region per subscription ("a limit of 100 triggers per region per
 *    subscription"), the region being the template's (a trigger has none of its own). Like Kiln's
 *    gallery quotas, it is counted when a trigger is created, so two concurrent creates at the limit
 *    may both land, as with Azure's own quota checks.
 * Both are refused with a 409 that names the trigger's path, so a client sees which PUT overflowed.
 */
import { ArmError } from '../../../core/arm-error.ts';
import type { DomainContext } from '../../context.ts';
import type { ResourceData } from '../../shared/arm-resource.ts';
import type { ImageTemplate, ImageTemplateRecord } from '../image-template.ts';
import { TRIGGER_KIND, type Trigger, type TriggerInternal } from './trigger.ts';

export const TRIGGERS_PER_REGION = 100;

/** Refuses a new trigger `triggerName` on `template` when either limit is reached. */
export async function checkTriggerLimits(
  ctx: DomainContext,
  template: ImageTemplateRecord,
  triggerName: string,
): Promise<void> {
  const resource = template.data.resource;
  const siblings = await ctx.store.list<ResourceData<Trigger, TriggerInternal>>({
    kind: TRIGGER_KIND,
    parent: template.key,
    limit: 1,
  });
  if (siblings.length > 0)
    throw new ArmError(
      409,
      'Conflict',
      `The image template '${resource.name}' already has the SourceImage trigger '${siblings[0].data.resource.name}': Azure supports one SourceImage trigger per template. Delete it before creating '${triggerName}'.`,
      'triggerName',
    );
  const all = await ctx.store.list<ResourceData<Trigger, TriggerInternal>>({
    kind: TRIGGER_KIND,
    subscription: template.subscription,
    limit: 1_000_000,
  });
  let used = 0;
  for (const trigger of all) if ((await regionOf(ctx, trigger)) === resource.location) used++;
  if (used >= TRIGGERS_PER_REGION)
    throw new ArmError(
      409,
      'QuotaExceeded',
      `The subscription already has ${used} image template triggers in region '${resource.location}', Azure's limit of ${TRIGGERS_PER_REGION} triggers per region per subscription: delete one before creating '${triggerName}' on the template '${resource.name}'.`,
      'triggerName',
    );
}

/** A trigger's region: kept on it, or (made before it was kept) its template's. */
async function regionOf(
  ctx: DomainContext,
  trigger: { parent: string | null; data: ResourceData<Trigger, TriggerInternal> },
): Promise<string | undefined> {
  if (trigger.data.internal.location) return trigger.data.internal.location;
  if (!trigger.parent) return undefined;
  return (await ctx.store.get<ResourceData<ImageTemplate>>(trigger.parent))?.data.resource.location;
}
