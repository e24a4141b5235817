/**
 * A template's own `stagingResourceGroup`, as Azure defines it: in the template's subscription (a
 * 400 at PUT otherwise); if it exists when the template is validated, empty and in the template's
 * region (the template fails validation otherwise, as Azure's asynchronous check fails it); if not,
 * made with that name by the first run, used by every run (run/run-status.ts) and deleted with the
 * template, while a group the user made stays. Kiln's runs leave no resources in it, so "the resources
 * created in it" that Azure deletes with the template are none; a group Kiln made that the user has
 * since put resources in stays too, rather than taking them with it.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceKey } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { RESOURCE_GROUP_KIND, type ResourceGroupRecord } from '../resource-groups/resource-group.ts';
import type { ImageTemplate } from './image-template.ts';

const AT = 'properties.stagingResourceGroup';

/** The group must be in the template's subscription. */
export function checkStagingGroupSubscription(template: ImageTemplate): void {
  const named = template.properties.stagingResourceGroup;
  const subscription = parseResourceId(template.id)!.subscription;
  if (named && parseResourceId(named)!.subscription.toLowerCase() !== subscription.toLowerCase())
    throw new ArmError(
      400,
      'InvalidParameter',
      `The staging resource group '${named}' must be in the image template's subscription '${subscription}'.`,
      AT,
    );
}

/** An existing group must be empty and in the template's region (a reference problem, template-references.ts). */
export async function checkStagingGroup(
  ctx: DomainContext,
  template: Pick<ImageTemplate, 'location' | 'name' | 'properties'>,
) {
  const named = template.properties.stagingResourceGroup;
  const group = named ? await ctx.store.get<ResourceGroupRecord['data']>(resourceKey(named)) : undefined;
  if (!named || !group) return;
  const refuse = (why: string) =>
    new ArmError(400, 'InvalidStagingResourceGroup', `The staging resource group '${named}' ${why}.`, AT);
  if (group.data.resource.location !== template.location)
    throw refuse(`is in '${group.data.resource.location}'; it must be in the template's region '${template.location}'`);
  if ((await resourcesIn(ctx, group)).length > 0 && !madeFor(group, template.name))
    throw refuse('exists and is not empty; name an empty group, or one that does not exist yet');
}

/** The writes deleting the template's staging group with it: only a group its runs made, still empty. */
export async function stagingGroupDeletes(ctx: DomainContext, template: ImageTemplate): Promise<Write[]> {
  const named = template.properties.stagingResourceGroup;
  const group = named ? await ctx.store.get<ResourceGroupRecord['data']>(resourceKey(named)) : undefined;
  if (!group || !madeFor(group, template.name) || (await resourcesIn(ctx, group)).length > 0) return [];
  return [{ op: 'delete', key: group.key, expect: { etag: group.etag } }];
}

/** Whether a run of the template made the group (the tags every staging group gets). */
const madeFor = (group: ResourceGroupRecord, templateName: string) =>
  group.data.resource.tags?.createdBy === 'AzureVMImageBuilder' &&
  group.data.resource.tags?.imageTemplateName === templateName;

/** The resources in the group: records of its own but the group's, Kiln's internal ones and role assignments. */
async function resourcesIn(ctx: DomainContext, group: ResourceGroupRecord) {
  const records = await ctx.store.list({
    subscription: group.subscription,
    resourceGroup: group.resourceGroup!,
    limit: 100,
  });
  return records.filter(
    (r) =>
      r.kind !== RESOURCE_GROUP_KIND && !r.kind.startsWith('kiln/') && !r.kind.startsWith('microsoft.authorization/'),
  );
}
