/** Checks an image definition body, reporting every bad field with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { HYPERV_GENERATIONS, OS_TYPES } from '../disks/validate-disk.ts';
import { OS_STATES } from '../images/image.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { enumValue, integerIn, isObject, requiredEnum } from '../shared/validate.ts';
import type { GalleryImageProperties } from './gallery-image.ts';

export interface GalleryImageSpec {
  location: string;
  tags?: Record<string, string>;
  properties: Omit<GalleryImageProperties, 'provisioningState'>;
  /** `properties.allowUpdateImage`: a request's consent to upgrade the definition (operations.ts), not stored. */
  allowUpdateImage: boolean;
}

const P = 'properties';

export function validateGalleryImageBody(ctx: DomainContext, body: Record<string, unknown>): GalleryImageSpec {
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const props = isObject(body.properties) ? body.properties : {};
  if (!isObject(body.properties)) problems.add(P, "Required parameter 'properties' is missing (null).");

  const identifier = isObject(props.identifier) ? props.identifier : {};
  if (!isObject(props.identifier))
    problems.add(`${P}.identifier`, "Required parameter 'properties.identifier' is missing (null).");
  for (const field of ['publisher', 'offer', 'sku']) {
    const value = identifier[field];
    if (
      isObject(props.identifier) &&
      (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value))
    ) {
      problems.add(
        `${P}.identifier.${field}`,
        `'${P}.identifier.${field}' must be 1-128 letters, digits, hyphens, underscores or periods, starting with a letter or digit.`,
      );
    }
  }
  const spec: GalleryImageSpec['properties'] = {
    identifier: {
      publisher: String(identifier.publisher),
      offer: String(identifier.offer),
      sku: String(identifier.sku),
    },
    osType: requiredEnum(props.osType, OS_TYPES, `${P}.osType`, problems)!,
    osState: requiredEnum(props.osState, OS_STATES, `${P}.osState`, problems)!,
    hyperVGeneration: enumValue(props.hyperVGeneration, HYPERV_GENERATIONS, `${P}.hyperVGeneration`, problems) ?? 'V1',
    architecture: enumValue(props.architecture, ['x64', 'Arm64'] as const, `${P}.architecture`, problems) ?? 'x64',
  };
  for (const field of ['description', 'eula', 'privacyStatementUri', 'releaseNoteUri'] as const) {
    const value = props[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') problems.add(`${P}.${field}`, `'${P}.${field}' must be a string.`);
    else spec[field] = value;
  }
  if (props.endOfLifeDate !== undefined && props.endOfLifeDate !== null) {
    const date = typeof props.endOfLifeDate === 'string' ? new Date(props.endOfLifeDate) : new Date(NaN);
    if (Number.isNaN(date.getTime()))
      problems.add(`${P}.endOfLifeDate`, `'${P}.endOfLifeDate' must be an ISO 8601 date-time.`);
    else spec.endOfLifeDate = date.toISOString();
  }
  if (props.recommended !== undefined) spec.recommended = checkRecommended(props.recommended, problems);
  // The Azure CLI sends `disallowed: {}` (and null diskTypes) when none are given: that disallows nothing.
  const disallowedTypes = isObject(props.disallowed) ? props.disallowed.diskTypes : props.disallowed;
  if (disallowedTypes !== undefined && disallowedTypes !== null) {
    const types = disallowedTypes;
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string'))
      problems.add(`${P}.disallowed.diskTypes`, "'disallowed.diskTypes' must be an array of disk type names.");
    else spec.disallowed = { diskTypes: types as string[] };
  }
  if (props.features !== undefined) {
    if (!Array.isArray(props.features)) problems.add(`${P}.features`, "'features' must be an array of {name, value}.");
    else spec.features = props.features.map((f, i) => checkFeature(f, `${P}.features[${i}]`, problems));
  }
  if (
    props.allowUpdateImage !== undefined &&
    props.allowUpdateImage !== null &&
    typeof props.allowUpdateImage !== 'boolean'
  )
    problems.add(`${P}.allowUpdateImage`, `'${P}.allowUpdateImage' must be true or false.`);
  if (props.purchasePlan !== undefined) {
    const plan = isObject(props.purchasePlan) ? props.purchasePlan : {};
    const missing = ['name', 'publisher', 'product'].filter((f) => typeof plan[f] !== 'string' || plan[f] === '');
    for (const field of missing)
      problems.add(`${P}.purchasePlan.${field}`, `Required parameter '${P}.purchasePlan.${field}' is missing (null).`);
    if (missing.length === 0)
      spec.purchasePlan = { name: String(plan.name), publisher: String(plan.publisher), product: String(plan.product) };
  }
  problems.throwIfAny();
  return { location, tags, properties: spec, allowUpdateImage: props.allowUpdateImage === true };
}

/** A feature: its name and value, and the version it starts at (`Major.Minor.Patch`) when given. */
function checkFeature(
  raw: unknown,
  at: string,
  problems: Problems,
): NonNullable<GalleryImageProperties['features']>[0] {
  const feature = isObject(raw) ? raw : {};
  for (const field of ['name', 'value'])
    if (typeof feature[field] !== 'string' || feature[field] === '')
      problems.add(`${at}.${field}`, `Required parameter '${at}.${field}' is missing (null).`);
  const starts = feature.startsAtVersion;
  if (starts !== undefined && starts !== null && (typeof starts !== 'string' || !/^\d+\.\d+\.\d+$/.test(starts)))
    problems.add(`${at}.startsAtVersion`, `'${at}.startsAtVersion' must be a version: Major.Minor.Patch.`);
  return {
    name: String(feature.name),
    value: String(feature.value),
    ...(typeof starts === 'string' ? { startsAtVersion: starts } : {}),
  };
}

function checkRecommended(value: unknown, problems: Problems): GalleryImageProperties['recommended'] {
  const recommended = isObject(value) ? value : {};
  const result: NonNullable<GalleryImageProperties['recommended']> = {};
  for (const [field, max] of [
    ['vCPUs', 1024],
    ['memory', 16 * 1024 * 1024],
  ] as const) {
    const range = recommended[field];
    if (range === undefined) continue;
    const r = isObject(range) ? range : {};
    const min = integerIn(r.min, 1, max, `${P}.recommended.${field}.min`, problems);
    const top = integerIn(r.max, 1, max, `${P}.recommended.${field}.max`, problems);
    if (min !== undefined && top !== undefined && min > top)
      problems.add(
        `${P}.recommended.${field}`,
        `'recommended.${field}.min' (${min}) is greater than its max (${top}).`,
      );
    result[field] = { ...(min !== undefined ? { min } : {}), ...(top !== undefined ? { max: top } : {}) };
  }
  return result;
}
