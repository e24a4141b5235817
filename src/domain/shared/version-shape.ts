/**
 * Every api-version Kiln accepts answers in that version's own shape (issue 18): a resource is stored
 * in its newest form, and an answer to a request at api-version V leaves out the members V's model
 * does not have (a gallery's `softDeletePolicy` before 2021-07-01, a disk's `tier` before 2020-06-30),
 * as Azure's RPs answer each version from its own model. The table of which member came in which
 * version is generated from Azure's published OpenAPI specs (properties-since.ts, by
 * scripts/api-version-shapes.ts), one entry per type, named by the type as its descriptor spells it.
 * Every answer of these types goes through `shapeFor`: GET, list, PUT and PATCH answers and the resource
 * a long-running operation's result gives (http/arm/resource-routes.ts, http/routes/operations.ts).
 *
 * Writes, decided here: a PUT or PATCH at api-version V whose body carries a member V's model does not
 * have is refused, 400 InvalidParameter, its target the first value given within the member (as every
 * field refusal names the leaf), a detail naming the member and each path within it down to every value
 * given, and its message the api-version that added the member. Azure's RPs ignore such a member in practice, but Kiln
 * never drops a field silently: a client that sends one meant it, and is told which version to use.
 * A null carries nothing and is not refused. What a newer version wrote stays stored: a client of V
 * reads V's shape, so a body it writes back never holds a newer member; its PATCH leaves those members
 * as they are, its PUT replaces the resource as every PUT does.
 *
 * Member names match case-insensitively, as ARM reads bodies (disk.json spells `LastOwnershipUpdateTime`).
 * api-versions compare as strings (dates, a `-preview` suffix after its date). What is only a change of
 * form between versions, not a member added (a gallery version's `publishingProfile.source` before
 * 2019-07-01: gallery-image-versions/older-form.ts; an image template's `replicationRegions`:
 * image-templates/version-shapes.ts), is not here.
 */
import { ArmError } from '../../core/arm-error.ts';
import { PROPERTIES_SINCE } from './properties-since.ts';

interface Member {
  /** The path's steps: member names, and `[]` for an array's items. */
  steps: string[];
  path: string;
  since: string;
}

interface TypeShape {
  members: Member[];
  /** From this api-version on, every member is in the model: nothing to leave out. */
  newest: string;
}

const stepsOf = (path: string) => path.split(/\.|(?=\[\])|(?<=\[\])/).filter((s) => s !== '');

const SHAPES = new Map<string, TypeShape>(
  Object.entries(PROPERTIES_SINCE).map(([type, since]) => {
    const members = Object.entries(since).map(([path, version]) => ({ steps: stepsOf(path), path, since: version }));
    const newest = members.reduce((latest, m) => (m.since > latest ? m.since : latest), '');
    return [type.toLowerCase(), { members, newest }];
  }),
);

/** The members the type's answers leave out at `apiVersion` (none for a type without a table). */
function missingAt(type: string, apiVersion: string | undefined): Member[] {
  const shape = SHAPES.get(type.toLowerCase());
  if (!shape || !apiVersion) return [];
  const version = apiVersion.toLowerCase();
  if (version >= shape.newest) return [];
  return shape.members.filter((m) => version < m.since);
}

/** Whether an answer of the type at `apiVersion` differs from the stored resource (else it goes as stored). */
export const isShapedAt = (type: string, apiVersion: string | undefined) => missingAt(type, apiVersion).length > 0;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const keyOf = (object: Json, name: string) => {
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
};

/** `value` without what `steps` lead to: a copy along the way only, the rest shared. */
function without(value: unknown, steps: string[]): unknown {
  const [step, ...rest] = steps;
  if (step === '[]') return Array.isArray(value) ? value.map((item) => without(item, rest)) : value;
  if (!isObject(value)) return value;
  const key = keyOf(value, step);
  if (key === undefined) return value;
  if (rest.length === 0) {
    const { [key]: _left, ...kept } = value;
    return kept;
  }
  return { ...value, [key]: without(value[key], rest) };
}

/** The resource of `type` as api-version `apiVersion` shows it: its model's members only. */
export function shapeFor(type: string, resource: unknown, apiVersion: string | undefined): unknown {
  return missingAt(type, apiVersion).reduce((shown, member) => without(shown, member.steps), resource);
}

/** Where `steps` lead in `value`: the first value found there (not null), with its path (`a[2].b`). */
function given(value: unknown, steps: string[], at: string): { path: string; value: unknown } | undefined {
  const [step, ...rest] = steps;
  if (step === undefined) return value === null || value === undefined ? undefined : { path: at, value };
  if (step === '[]') {
    if (!Array.isArray(value)) return undefined;
    for (const [i, item] of value.entries()) {
      const found = given(item, rest, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const key = keyOf(value, step);
  return key === undefined ? undefined : given(value[key], rest, at ? `${at}.${key}` : key);
}

/** The paths within a member as given, itself first, down to every value it carries (`properties.safetyProfile.allowDeletionOfReplicatedLocations`). */
function pathsWithin(value: unknown, path: string): string[] {
  const within = Array.isArray(value)
    ? value.map((item, i) => [item, `${path}[${i}]`] as const)
    : isObject(value)
      ? Object.entries(value).map(([key, item]) => [item, `${path}.${key}`] as const)
      : [];
  return [
    path,
    ...within.filter(([item]) => item !== null && item !== undefined).flatMap(([item, at]) => pathsWithin(item, at)),
  ];
}

/** The paths within a member as given that carry nothing below them, in order: the member itself when it carries nothing. */
export function leafPathsWithin(value: unknown, path: string): string[] {
  const within = pathsWithin(value, path);
  const isParent = (at: string, next = '') => next.startsWith(at) && /^[.[]/.test(next.slice(at.length));
  return within.filter((at, i) => !isParent(at, within[i + 1]));
}

/**
 * Refuses a write body of `type` at `apiVersion` that carries members the version's model does not
 * have: the error's target is the first value given within the first such member, its details name
 * the members and every path within them (each a target), so whichever a client wrote is named.
 */
export function refuseNewerMembers(type: string, body: unknown, apiVersion: string | undefined): void {
  const refused = missingAt(type, apiVersion).flatMap((member) => {
    const found = given(body, member.steps, '');
    return found ? [{ member, ...found }] : [];
  });
  if (refused.length === 0) return;
  const message = ({ member, path }: (typeof refused)[number]) =>
    `The property '${member.path}' of ${type} is not in api-version ${apiVersion}: it was added in ` +
    `${member.since}. Send the request with api-version ${member.since} or later, or without '${path}'.`;
  const details = refused.flatMap((r) =>
    pathsWithin(r.value, r.path).map((at) => ({ code: 'InvalidParameter', message: message(r), target: at })),
  );
  // The target is the first value given (a client names the leaf it wrote, as every field refusal does).
  const [first] = refused;
  const [leaf] = leafPathsWithin(first.value, first.path);
  throw new ArmError(400, 'InvalidParameter', message(first), leaf, details);
}
