/** Field checks that record a problem (with its JSON path) instead of stopping at the first one. */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf, type ResourceId } from '../../core/resource-id.ts';

/** Case-insensitive enum match returning the canonical spelling, as ARM accepts `linux` for `Linux`. */
export function enumValue<T extends string>(
  value: unknown,
  allowed: readonly T[],
  target: string,
  problems: Problems,
): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
  if (!found)
    problems.add(
      target,
      `The value '${String(value)}' of '${target}' is not valid. Allowed values: ${allowed.join(', ')}.`,
    );
  return found;
}

export function requiredEnum<T extends string>(
  value: unknown,
  allowed: readonly T[],
  target: string,
  problems: Problems,
): T | undefined {
  if (value === undefined || value === null) {
    problems.add(target, `Required parameter '${target}' is missing (null). Allowed values: ${allowed.join(', ')}.`);
    return undefined;
  }
  return enumValue(value, allowed, target, problems);
}

export function integerIn(
  value: unknown,
  min: number,
  max: number,
  target: string,
  problems: Problems,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.add(target, `The value '${String(value)}' of '${target}' must be an integer from ${min} to ${max}.`);
    return undefined;
  }
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object member: absent (undefined), or its value; anything else is a problem. */
export function objectAt(value: unknown, target: string, problems: Problems): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  problems.add(target, `'${target}' must be an object.`);
  return undefined;
}

/** A true-or-false member: absent (undefined), or its value; anything else is a problem. */
export function booleanAt(value: unknown, target: string, problems: Problems): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  problems.add(target, `'${target}' must be true or false.`);
  return undefined;
}

/** A `{ "id": "..." }` sub-resource naming a resource of `expectedType` (lower-cased ARM type). */
export function subResourceId(
  value: unknown,
  expectedType: string,
  target: string,
  problems: Problems,
): ResourceId | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = isObject(value) ? value.id : undefined;
  const id = typeof raw === 'string' ? parseResourceId(raw) : undefined;
  if (!id || resourceTypeOf(id) !== expectedType || id.resourceGroup === undefined) {
    problems.add(
      `${target}.id`,
      `The value '${String(raw)}' of '${target}.id' is not a valid resource id of type '${expectedType}'.`,
      'LinkedInvalidPropertyId',
    );
    return undefined;
  }
  return id;
}

/** Compute RP naming rule for disks, snapshots and images. */
export function checkComputeResourceName(name: string, target = 'name'): void {
  if (name.length > 80 || !/^\w([\w.-]*\w)?$/u.test(name)) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
      target,
    );
  }
}

/** What a check of unknown fields lets pass besides the fields Kiln acts on. */
export interface ToleratedFields {
  /** Fields Azure computes, which clients send back from a GET: accepted and ignored. */
  readOnly?: readonly string[];
  /**
   * Names compare without case, as Azure's JSON reads them: a member spelled otherwise is renamed in
   * `value` to Kiln's spelling, so the checks that read it next find it (two spellings of one member
   * are refused).
   */
  ignoreCase?: boolean;
  /** A value that asks for nothing (Microsoft.Network: null, false, an empty list or object). */
  asksNothing?: (given: unknown) => boolean;
}

/**
 * Refuses fields of `value` that Kiln does not act on (`supported`), each at its JSON path, so none
 * is silently dropped: a client learns at once that a setting (a security profile, a spot priority)
 * is not honoured here, rather than finding it missing later.
 */
export function refuseUnknownFields(
  value: Record<string, unknown>,
  supported: readonly string[],
  target: string,
  problems: Problems,
  tolerated: ToleratedFields = {},
): void {
  const spell = (name: string) => (tolerated.ignoreCase ? name.toLowerCase() : name);
  const known = new Map([...supported, ...(tolerated.readOnly ?? [])].map((name) => [spell(name), name]));
  for (const [field, given] of Object.entries(value)) {
    const at = target === '' ? field : `${target}.${field}`;
    const canonical = known.get(spell(field));
    if (canonical !== undefined && canonical !== field) {
      if (canonical in value) problems.add(at, `'${at}' repeats the member '${canonical}' in another case.`);
      else {
        value[canonical] = given;
        delete value[field];
      }
      continue;
    }
    if (canonical !== undefined || tolerated.asksNothing?.(given)) continue;
    problems.add(
      at,
      `Kiln does not support '${at}'; it supports ${supported.map((k) => `'${k}'`).join(', ')} here.`,
      'PropertyNotSupported',
    );
  }
}
