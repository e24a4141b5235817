/** Checks of the scope a request names: subscription, resource group, region. */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { resourceGroupId, resourceKey } from '../../core/resource-id.ts';
import type { DomainContext, RegionSetting, SettingsContext, SubscriptionSetting } from '../context.ts';
import type { ResourceRecord } from './arm-resource.ts';

export function requireSubscription(ctx: DomainContext, subscription: string): SubscriptionSetting {
  const found = ctx.settings.subscriptions.find((s) => s.id.toLowerCase() === subscription.toLowerCase());
  if (!found) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);
  return found;
}

export async function requireResourceGroup(
  ctx: DomainContext,
  subscription: string,
  resourceGroup: string,
): Promise<ResourceRecord> {
  requireSubscription(ctx, subscription);
  const record = await ctx.store.get<ResourceRecord['data']>(resourceKey(resourceGroupId(subscription, resourceGroup)));
  if (!record)
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
  return record as ResourceRecord;
}

/** A group new resources may go into: it exists and is not being deleted. */
export async function requireWritableResourceGroup(
  ctx: DomainContext,
  subscription: string,
  resourceGroup: string,
): Promise<ResourceRecord> {
  const group = await requireResourceGroup(ctx, subscription, resourceGroup);
  if ((group.data.resource.properties as { provisioningState?: string } | undefined)?.provisioningState === 'Deleting')
    throw beingDeleted(group.data.resource.name);
  return group;
}

export function beingDeleted(name: string): ArmError {
  return new ArmError(
    409,
    'ResourceGroupBeingDeleted',
    `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`,
  );
}

/** A region's display name (`West US 2` for `westus2`), where Azure answers with it. */
export const regionDisplayName = (ctx: SettingsContext, name: string) =>
  ctx.settings.regions.find((r) => r.name === name)?.displayName ?? name;

/** `West US`, `westus` and `WestUS` all name the region `westus`, as in ARM. */
export function findRegion(ctx: SettingsContext, location: string): RegionSetting | undefined {
  const wanted = location.replace(/\s+/g, '').toLowerCase();
  return ctx.settings.regions.find(
    (r) => r.name === wanted || r.displayName.replace(/\s+/g, '').toLowerCase() === wanted,
  );
}

/** Resolves a required `location` field, recording a problem (naming the available regions) when it is bad. */
export function checkLocation(
  ctx: SettingsContext,
  location: unknown,
  problems: Problems,
  target = 'location',
): string {
  if (typeof location !== 'string' || location.trim() === '') {
    problems.add(target, `The '${target}' property is required.`, 'LocationRequired');
    return '';
  }
  const region = findRegion(ctx, location);
  if (!region) {
    problems.add(
      target,
      `The provided location '${location}' is not available. List of available regions is '${ctx.settings.regions.map((r) => r.name).join(',')}'.`,
      'LocationNotAvailableForResourceType',
    );
    return '';
  }
  return region.name;
}

/** ARM limits: at most 50 tags, names up to 512 characters (no `<>%&\?/`), values up to 256. */
export function checkTags(tags: unknown, problems: Problems, target = 'tags'): Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    problems.add(target, `The '${target}' property must be an object of string values.`, 'InvalidTag');
    return undefined;
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 50)
    problems.add(target, `At most 50 tags are allowed; ${entries.length} were given.`, 'InvalidTag');
  for (const [name, value] of entries) {
    if (name.length > 512 || /[<>%&\\?/]/.test(name))
      problems.add(
        `${target}.${name}`,
        `The tag name '${name}' is invalid: at most 512 characters, none of <>%&\\?/.`,
        'InvalidTagNameCharacters',
      );
    if (typeof value !== 'string' || value.length > 256)
      problems.add(
        `${target}.${name}`,
        `The value of tag '${name}' must be a string of at most 256 characters.`,
        'InvalidTag',
      );
  }
  return tags as Record<string, string>;
}
