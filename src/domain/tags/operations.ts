/**
 * Microsoft.Resources/tags at a scope: Tags - Get, Create Or Update, Update (Merge, Replace, Delete)
 * and Delete At Scope, on a subscription, a resource group or a tracked resource of any type. Every
 * result is checked as ARM checks tags (at most 50; names up to 512 characters without `<>%&\?/`;
 * values up to 256), the whole set at once, before anything is written.
 */
import { badRequest, Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { checkTags } from '../shared/scope.ts';
import { changeTags, readTagged, type Tags } from './tagged-scope.ts';

/** ARM's TagsResource. */
export interface TagsResource {
  id: string;
  name: 'default';
  type: 'Microsoft.Resources/tags';
  properties: { tags: Tags };
}

const tagsResource = ({ id, tags }: { id: string; tags: Tags }): TagsResource => ({
  id: `${id}/providers/Microsoft.Resources/tags/default`,
  name: 'default',
  type: 'Microsoft.Resources/tags',
  properties: { tags },
});

/** `properties.tags` of a request: an object of strings (absent: none). */
function requestedTags(body: Record<string, unknown>): Tags {
  const problems = new Problems();
  const properties = body.properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties))
    problems.add('properties', "The 'properties' property is required and must be an object.", 'InvalidRequestContent');
  const tags = checkTags((properties as { tags?: unknown } | undefined)?.tags, problems, 'properties.tags');
  problems.throwIfAny();
  return tags ?? {};
}

/** The tags a change leaves, checked whole (a merge may pass 50). */
function checked(tags: Tags): Tags {
  const problems = new Problems();
  checkTags(tags, problems, 'properties.tags');
  problems.throwIfAny();
  return tags;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `tags` with each of `given` set, a name given in another case replacing the one there (tag names have no case). */
const merged = (tags: Tags, given: Tags): Tags => ({
  ...Object.fromEntries(Object.entries(tags).filter(([name]) => !Object.keys(given).some((g) => sameName(g, name)))),
  ...given,
});

/** `tags` without each name of `given` whose value matches (an empty value given matches any). */
const withoutGiven = (tags: Tags, given: Tags): Tags =>
  Object.fromEntries(
    Object.entries(tags).filter(
      ([name, value]) =>
        !Object.entries(given).some(([g, gValue]) => sameName(g, name) && (gValue === '' || gValue === value)),
    ),
  );

export async function getTagsAtScope(ctx: DomainContext, scope: string): Promise<TagsResource> {
  return tagsResource(await readTagged(ctx, scope));
}

/** PUT: the whole set. */
export async function createOrUpdateTagsAtScope(
  ctx: DomainContext,
  scope: string,
  body: Record<string, unknown>,
): Promise<TagsResource> {
  const tags = requestedTags(body);
  return tagsResource(await changeTags(ctx, scope, () => tags));
}

const OPERATIONS = ['Merge', 'Replace', 'Delete'] as const;

/** PATCH: `operation` Merge (set the given ones), Replace (the whole set) or Delete (remove the given names or name/value pairs). */
export async function updateTagsAtScope(
  ctx: DomainContext,
  scope: string,
  body: Record<string, unknown>,
): Promise<TagsResource> {
  const operation = OPERATIONS.find((o) => typeof body.operation === 'string' && sameName(o, body.operation));
  if (!operation)
    throw badRequest(
      'InvalidRequestContent',
      `The 'operation' property must be one of ${OPERATIONS.join(', ')}; it was ${JSON.stringify(body.operation ?? null)}.`,
      'operation',
    );
  const given = requestedTags(body);
  const change = {
    Merge: (tags: Tags) => checked(merged(tags, given)),
    Replace: () => given,
    Delete: (tags: Tags) => withoutGiven(tags, given),
  }[operation];
  return tagsResource(await changeTags(ctx, scope, change));
}

/** DELETE: no tags left. */
export async function deleteTagsAtScope(ctx: DomainContext, scope: string): Promise<void> {
  await changeTags(ctx, scope, () => ({}));
}
