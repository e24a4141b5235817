/**
 * Field checks shared by the Microsoft.Network types. Kiln keeps only the members it implements, so
 * any other member that asks for something is refused at its path rather than dropped; members Azure
 * computes are accepted and ignored, as Azure ignores them, because clients send back what they read.
 */
import type { ArmError, Problems } from '../../core/arm-error.ts';
import type { SettingsContext } from '../context.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { checkComputeResourceName, isObject, objectAt, refuseUnknownFields } from '../shared/validate.ts';

/** Members every ARM object may carry back from a GET. */
const ALWAYS_READ_ONLY = ['id', 'name', 'type', 'etag', 'provisioningState', 'resourceGuid'];

/** Asks for nothing: absent, null, false (the SDKs send `enableVmProtection: false` unasked), or an empty list or object. */
const asksNothing = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === false ||
  (Array.isArray(value) && value.length === 0) ||
  (isObject(value) && Object.keys(value).length === 0);

/** Refuses each member of `value` that is neither taken nor read-only and asks for something. */
export function refuseOtherMembers(
  value: Record<string, unknown>,
  target: string,
  takes: readonly string[],
  problems: Problems,
  readOnly: readonly string[] = [],
): void {
  refuseUnknownFields(value, takes, target, problems, {
    readOnly: [...ALWAYS_READ_ONLY, ...readOnly],
    ignoreCase: true,
    asksNothing,
  });
}

/** An object the request must give at `target`; undefined, a problem recorded, when it gives none. */
export function requiredObjectAt(value: unknown, target: string, problems: Problems) {
  if (isObject(value)) return value;
  problems.add(target, `Required parameter '${target}' is missing (null).`);
  return undefined;
}

/** What every PUT body of a type in a resource group has: `location`, `tags`, `properties`, and the `more` members its type takes. */
export function checkEnvelope(
  ctx: SettingsContext,
  body: Record<string, unknown>,
  problems: Problems,
  more: readonly string[] = [],
) {
  refuseOtherMembers(body, '', ['location', 'tags', 'properties', ...more], problems);
  return {
    location: checkLocation(ctx, body.location, problems),
    tags: checkTags(body.tags, problems),
    props: objectAt(body.properties, 'properties', problems) ?? {},
  };
}

/** An array member: [] when absent; anything else but an array is a problem. */
export function arrayAt(value: unknown, target: string, problems: Problems): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  problems.add(target, `'${target}' must be an array.`);
  return [];
}

export function stringAt(value: unknown, target: string, problems: Problems, maxLength = 1024): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length <= maxLength) return value;
  problems.add(target, `'${target}' must be a string of at most ${maxLength} characters.`);
  return undefined;
}

/** The name of a subnet, a rule or an IP configuration: NRP's rule for every resource name, which Compute shares. */
export function checkNetworkName(name: unknown, target: string, problems: Problems): string | undefined {
  if (typeof name !== 'string' || name === '') {
    problems.add(target, `Required parameter '${target}' is missing (null).`);
    return undefined;
  }
  try {
    checkComputeResourceName(name, target);
  } catch (error) {
    const refused = error as ArmError;
    problems.add(target, refused.message, refused.code);
    return undefined;
  }
  return name;
}

/** Names must be unique, whatever their case: reports the second of each pair. */
export function checkUniqueNames(names: Array<string | undefined>, target: (i: number) => string, problems: Problems) {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === undefined) return;
    const first = seen.get(name.toLowerCase());
    if (first !== undefined)
      problems.add(`${target(i)}.name`, `'${target(i)}.name' repeats the name '${name}' of ${target(first)}.`);
    else seen.set(name.toLowerCase(), i);
  });
}
