/**
 * References between Microsoft.Network resources, as NRP keeps them: the referrer names the resource
 * (`{ "id": ... }`) and the resource lists its referrers (a subnet's `ipConfigurations`, a security
 * group's `networkInterfaces` and `subnets`, a public IP's `ipConfiguration`), both written in one batch.
 * A resource in use is refused deletion by its list. A resource group delete removes referrers without
 * touching what they named, so a listed referrer counts only while it still names the resource
 * (`stillNames`).
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { formatResourceId, parseResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { getResource, type ArmResource } from '../shared/arm-resource.ts';
import { isObject } from '../shared/validate.ts';

export interface SubResource {
  id: string;
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `list` with `id` in it (`on`) or out of it; undefined when that leaves it empty, as NRP omits empty lists. */
export function withReferrer(list: SubResource[] | undefined, id: string, on: boolean): SubResource[] | undefined {
  const others = (list ?? []).filter((entry) => !sameId(entry.id, id));
  const next = on ? [...others, { id }] : others;
  return next.length > 0 ? next : undefined;
}

/** NRP's answer for a reference to a resource that does not exist, or not where the referrer is. */
export function invalidReference(referenced: string, referrer: string, target: string, problems: Problems): void {
  problems.add(
    target,
    `Resource ${referenced} referenced by resource ${referrer} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
    'InvalidResourceReference',
  );
}

/** Whether the resource is where the referrer may use it: the same subscription and region. */
export const sameSubscriptionAndRegion = (
  resource: { id: string; location?: string },
  referrer: { subscription: string; location: string },
) =>
  resource.location === referrer.location &&
  parseResourceId(resource.id)!.subscription.toLowerCase() === referrer.subscription.toLowerCase();

/** Whether `value`, or anything in it, is a `{ "id": referenced }`. */
function mentions(value: unknown, referenced: string): boolean {
  if (Array.isArray(value)) return value.some((item) => mentions(item, referenced));
  if (!isObject(value)) return false;
  if (typeof value.id === 'string' && sameId(value.id, referenced)) return true;
  return Object.values(value).some((item) => mentions(item, referenced));
}

/**
 * Whether the referrer (a resource, or a child of one such as `.../ipConfigurations/{name}` or
 * `.../subnets/{name}`) still exists and still names `referenced`.
 */
export async function stillNames(ctx: DomainContext, referrer: string, referenced: string): Promise<boolean> {
  const id = parseResourceId(referrer);
  if (!id || id.types.length === 0) return false;
  const top = await getResource<ArmResource, unknown>(ctx, formatResourceId({ ...id, types: id.types.slice(0, 1) }));
  if (!top) return false;
  if (id.types.length === 1) return mentions(top.data.resource.properties, referenced);
  const [collection, name] = id.types[1];
  const children = (top.data.resource.properties as Record<string, unknown> | undefined)?.[collection];
  const child = Array.isArray(children)
    ? children.find((c) => isObject(c) && typeof c.name === 'string' && sameId(c.name, name))
    : undefined;
  return child !== undefined && mentions(child, referenced);
}

/** The referrers in `list` that still name `referenced`. */
export async function liveReferrers(ctx: DomainContext, list: SubResource[] | undefined, referenced: string) {
  const live: string[] = [];
  for (const { id } of list ?? []) if (await stillNames(ctx, id, referenced)) live.push(id);
  return live;
}

/** NRP's refusal to delete (or change) a resource still in use: 400 with its code. */
export const inUse = (code: string, message: string) => new ArmError(400, code, message);
