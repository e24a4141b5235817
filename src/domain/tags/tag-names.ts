/**
 * A subscription's tag names (Tags - List): every name on the subscription, its groups and its tracked
 * resources with how many carry it, each value with its count, and the names and values users
 * predefined (Tags - Create Or Update, Create Or Update Value), which count 0 until used. A
 * predefined name is deleted only once nothing carries it and its values are deleted, as in ARM.
 *
 * Invariants: names compare without case, values with case; a predefined name and its values are one
 * record, written with an etag expectation.
 */
import { ArmError, badRequest, Problems } from '../../core/arm-error.ts';
import type { StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { RESOURCE_GROUP_KIND } from '../resource-groups/resource-group.ts';
import { allRecords, allTrackedResources } from '../resources/all-resources.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import { checkTags, requireSubscription } from '../shared/scope.ts';
import { SUBSCRIPTION_TAGS_KIND, type Tags } from './tagged-scope.ts';

const PREDEFINED_KIND = 'kiln/tagnames';

interface Predefined {
  tagName: string;
  values: string[];
}

export interface TagCount {
  type: 'Total';
  value: number;
}

export interface TagValue {
  id: string;
  tagValue: string;
  count: TagCount;
}

export interface TagDetails {
  id: string;
  tagName: string;
  count: TagCount;
  values: TagValue[];
}

const nameId = (subscription: string, name: string) => `/subscriptions/${subscription}/tagNames/${name}`;
const predefinedKey = (subscription: string, name: string) => nameId(subscription, name).toLowerCase();

/** Names and values with their counts, as they are first spelled. */
class Tally {
  private readonly names = new Map<string, { tagName: string; count: number; values: Map<string, number> }>();

  add(name: string, value: string | undefined, uses: number): void {
    const entry = this.names.get(name.toLowerCase()) ?? { tagName: name, count: 0, values: new Map() };
    entry.count += uses;
    if (value !== undefined) entry.values.set(value, (entry.values.get(value) ?? 0) + uses);
    this.names.set(name.toLowerCase(), entry);
  }

  addTags(tags: Tags | undefined): void {
    for (const [name, value] of Object.entries(tags ?? {})) this.add(name, value, 1);
  }

  details(subscription: string): TagDetails[] {
    return [...this.names.values()].map(({ tagName, count, values }) => ({
      id: nameId(subscription, tagName),
      tagName,
      count: { type: 'Total', value: count },
      values: [...values].map(([tagValue, uses]) => ({
        id: `${nameId(subscription, tagName)}/tagValues/${tagValue}`,
        tagValue,
        count: { type: 'Total', value: uses },
      })),
    }));
  }
}

export async function listTagNames(ctx: DomainContext, subscription: string): Promise<TagDetails[]> {
  const { id } = requireSubscription(ctx, subscription);
  const sub = id.toLowerCase();
  const tally = new Tally();
  for (const record of await allRecords<{ tags: Tags }>(ctx, [SUBSCRIPTION_TAGS_KIND], { subscription: sub }))
    tally.addTags(record.data.tags);
  const groups = await allRecords<ResourceData<ArmResource, unknown>>(ctx, [RESOURCE_GROUP_KIND], {
    subscription: sub,
  });
  for (const record of [...groups, ...(await allTrackedResources(ctx, id))]) tally.addTags(record.data.resource.tags);
  for (const { data } of await allRecords<Predefined>(ctx, [PREDEFINED_KIND], { subscription: sub })) {
    tally.add(data.tagName, undefined, 0);
    for (const value of data.values) tally.add(data.tagName, value, 0);
  }
  return tally.details(id);
}

/** A predefined name: what ARM checks of any tag name, and none of the prefixes Azure keeps for itself. */
function checkTagName(name: string, value = ''): void {
  const problems = new Problems();
  checkTags({ [name]: value }, problems, 'tagName');
  problems.throwIfAny();
  if (/^(microsoft|azure|windows)/i.test(name))
    throw badRequest(
      'InvalidTagName',
      `The tag name '${name}' starts with a prefix reserved for Azure use: 'microsoft', 'azure', 'windows'.`,
      'tagName',
    );
}

async function details(ctx: DomainContext, subscription: string, name: string): Promise<TagDetails> {
  return (await listTagNames(ctx, subscription)).find((d) => d.tagName.toLowerCase() === name.toLowerCase())!;
}

/** Predefines `name` with `value` among its values (none: the name alone); whether it was new. */
async function predefine(ctx: DomainContext, subscription: string, name: string, value?: string): Promise<boolean> {
  const { id } = requireSubscription(ctx, subscription);
  const key = predefinedKey(id, name);
  const stored = await ctx.store.get<Predefined>(key);
  const values = stored?.data.values ?? [];
  const isNew = value === undefined ? !stored : !values.includes(value);
  if (!isNew) return false;
  const data = { tagName: stored?.data.tagName ?? name, values: value === undefined ? values : [...values, value] };
  await ctx.store.apply([predefinedWrite(id, data, stored)]);
  return true;
}

/** The put of a predefined name's record, guarded by the etag it was read at. */
const predefinedWrite = (subscription: string, data: Predefined, stored?: StoredRecord<Predefined>): Write => ({
  op: 'put',
  record: {
    key: predefinedKey(subscription, data.tagName),
    kind: PREDEFINED_KIND,
    subscription: subscription.toLowerCase(),
    resourceGroup: null,
    parent: null,
    data,
  },
  expect: stored ? { etag: stored.etag } : { absent: true },
});

export async function createTagName(ctx: DomainContext, subscription: string, name: string) {
  checkTagName(name);
  const created = await predefine(ctx, subscription, name);
  return { created, details: await details(ctx, subscription, name) };
}

export async function createTagValue(ctx: DomainContext, subscription: string, name: string, value: string) {
  checkTagName(name, value);
  const created = await predefine(ctx, subscription, name, value);
  const tagValue = (await details(ctx, subscription, name)).values.find((v) => v.tagValue === value)!;
  return { created, tagValue };
}

/** Deletes a predefined name, refused while anything carries it or it has predefined values; false when it was not predefined. */
export async function deleteTagName(ctx: DomainContext, subscription: string, name: string): Promise<boolean> {
  const { id } = requireSubscription(ctx, subscription);
  const stored = await ctx.store.get<Predefined>(predefinedKey(id, name));
  if (!stored) return false;
  const inUse = (await details(ctx, id, name)).count.value;
  if (inUse > 0 || stored.data.values.length > 0)
    throw new ArmError(
      409,
      'Conflict',
      `The predefined tag name '${name}' cannot be deleted: ${inUse > 0 ? `${inUse} resource(s), group(s) or the subscription carry it` : `its values ${stored.data.values.map((v) => `'${v}'`).join(', ')} must be deleted first`}.`,
      'tagName',
    );
  await ctx.store.apply([{ op: 'delete', key: stored.key, expect: { etag: stored.etag } }]);
  return true;
}

/** Deletes a predefined value of a name; false when it was not predefined. */
export async function deleteTagValue(ctx: DomainContext, subscription: string, name: string, value: string) {
  const { id } = requireSubscription(ctx, subscription);
  const stored = await ctx.store.get<Predefined>(predefinedKey(id, name));
  if (!stored?.data.values.includes(value)) return false;
  const data = { ...stored.data, values: stored.data.values.filter((v) => v !== value) };
  await ctx.store.apply([predefinedWrite(id, data, stored)]);
  return true;
}
