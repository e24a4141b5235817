/**
 * Microsoft.VirtualMachineImages/imageTemplates/triggers: what makes a template run by itself. The one
 * kind Azure has, `SourceImage`, runs the template when a new version of its source gallery image
 * definition is created. Each trigger has a watch record beside it, written and deleted in the same
 * batch, placed under the definition it watches: a new version finds its triggers by its parent (the
 * store's index) without reading any template. The watch sits in the trigger's own resource group, so
 * deleting the group deletes it with the trigger. What a template needs to have one (`watchedDefinition`)
 * is checked when the trigger is made and again each time it fires, since a PATCH may change targets.
 * A template has at most one trigger (Azure: one `SourceImage` trigger per template): a slot record
 * under the template, put with `absent` in the trigger's batch, makes two concurrent PUTs of
 * differently named triggers unable to both win (trigger-limits.ts checks the rest).
 */
import { ArmError } from '../../../core/arm-error.ts';
import { parseResourceId, resourceKey } from '../../../core/resource-id.ts';
import type { NewRecord, Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import type { ArmResource, ResourceRecord } from '../../shared/arm-resource.ts';
import type { ImageTemplate } from '../image-template.ts';

export const TRIGGER_KIND = 'microsoft.virtualmachineimages/imagetemplates/triggers';
export const TRIGGER_TYPE_NAME = 'Microsoft.VirtualMachineImages/imageTemplates/triggers';
const WATCH_KIND = 'kiln/sourceimagewatch';
const SLOT_KIND = 'kiln/sourceimagetriggerslot';

/** What the trigger did last, as Azure's TriggerStatus: `Healthy`, or why it no longer runs the template. */
export interface TriggerStatus {
  code: 'Healthy' | 'Unhealthy';
  message: string;
  time: string;
}

export interface Trigger extends ArmResource {
  properties: {
    kind: 'SourceImage';
    status: TriggerStatus;
    provisioningState: 'Succeeded';
  };
}

export interface TriggerInternal {
  /** The key of the gallery image definition whose new versions run the template. */
  definitionKey: string;
  /** The template's region, for the per-region limit (absent on triggers made before it was kept). */
  location?: string;
}

export type TriggerRecord = ResourceRecord<Trigger, TriggerInternal>;

/** The watch record of the trigger at `trigger`: found by listing the definition's watches. */
export function watchRecord(
  trigger: Pick<TriggerRecord, 'key' | 'subscription' | 'resourceGroup'>,
  definitionKey: string,
): NewRecord<{ trigger: string }> {
  return {
    key: watchKey(trigger.key),
    kind: WATCH_KIND,
    subscription: trigger.subscription,
    resourceGroup: trigger.resourceGroup,
    parent: definitionKey,
    data: { trigger: trigger.key },
  };
}

export const watchKey = (triggerKey: string) => `${triggerKey}/sourceimagewatch`;

/** The watches of a definition: the keys of the triggers its new versions fire. */
export const watchesOf = (definitionKey: string) => ({ kind: WATCH_KIND, parent: definitionKey, limit: 1000 });

/** The template's slot: present while the template has its one trigger, whose key it holds. */
export function slotRecord(
  trigger: Pick<TriggerRecord, 'key' | 'subscription' | 'resourceGroup' | 'parent'>,
): NewRecord<{ trigger: string }> {
  return {
    key: slotKey(trigger.parent!),
    kind: SLOT_KIND,
    subscription: trigger.subscription,
    resourceGroup: trigger.resourceGroup,
    parent: trigger.parent,
    data: { trigger: trigger.key },
  };
}

export const slotKey = (templateKey: string) => `${templateKey}/sourceimagetriggerslot`;

/** The writes deleting every trigger of the template at `templateKey` (and their watches), for its delete. */
export async function triggerDeletes(ctx: DomainContext, templateKey: string): Promise<Write[]> {
  const triggers = await ctx.store.list({ kind: TRIGGER_KIND, parent: templateKey, limit: 1000 });
  return [
    ...triggers.flatMap((t): Write[] => [
      { op: 'delete', key: t.key, expect: { etag: t.etag } },
      { op: 'delete', key: watchKey(t.key) },
    ]),
    { op: 'delete', key: slotKey(templateKey) },
  ];
}

/** The definition whose new versions run `template`, or the 400 saying why it cannot have a trigger. */
export function watchedDefinition(template: ImageTemplate): string {
  const source = template.properties.source;
  const id = source.type === 'SharedImageVersion' ? parseResourceId(source.imageVersionId) : undefined;
  if (!id || id.types[2]?.[1].toLowerCase() !== 'latest')
    throw new ArmError(
      400,
      'InvalidParameter',
      `A SourceImage trigger runs its template when a new version of the template's source image definition is created, so the template '${template.name}' must have a 'SharedImageVersion' source whose 'properties.source.imageVersionId' ends in '/versions/latest' (as Azure requires); its source is ${source.type === 'SharedImageVersion' ? `'${source.imageVersionId}'` : `of type '${source.type}'`}.`,
      'properties.source.imageVersionId',
    );
  const definitionKey = resourceKey({ ...id, types: id.types.slice(0, 2) });
  // Each run would add a version to the definition it watches, which would run it again, without end.
  const loop = template.properties.distribute.findIndex(
    (target) => target.type === 'SharedImage' && resourceKey(target.galleryImageId) === definitionKey,
  );
  if (loop >= 0)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The template '${template.name}' distributes to the image definition its source is the latest version of: with a SourceImage trigger, every version a run adds would run the template again, without end. Distribute to another definition.`,
      `properties.distribute[${loop}].galleryImageId`,
    );
  return definitionKey;
}
