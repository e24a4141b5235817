/**
 * Field checks shared by every part of an image template (source, customizers, distribution
 * targets): each records its problem at the field's JSON path and returns what it could read, so
 * validation goes on and reports every bad field at once.
 */
import type { Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';

const SHA256 = /^[0-9a-fA-F]{64}$/;

export function requiredString(
  entry: Record<string, unknown>,
  field: string,
  target: string,
  problems: Problems,
): string {
  const value = entry[field];
  if (typeof value !== 'string' || value.trim() === '')
    problems.add(`${target}.${field}`, `Required parameter '${target}.${field}' is missing (null).`);
  return typeof value === 'string' ? value : '';
}

export function checkUri(value: unknown, target: string, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value))
    problems.add(target, `'${target}' must be an http or https URL.`);
  return typeof value === 'string' ? value : undefined;
}

/** A sha256 in lower case; absent when not given. */
export function checkChecksum(value: unknown, target: string, problems: Problems): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !SHA256.test(value))
    problems.add(target, `'${target}' must be a sha256 checksum: 64 hexadecimal digits.`);
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

export function checkResourceId(value: unknown, type: string, target: string, problems: Problems): string {
  const id = typeof value === 'string' ? parseResourceId(value) : undefined;
  if (!id || resourceTypeOf(id) !== type)
    problems.add(
      target,
      `'${target}' must be the id of a '${type}', not '${String(value)}'.`,
      'LinkedInvalidPropertyId',
    );
  return typeof value === 'string' ? value : '';
}
