/**
 * Resources a request body names besides the route's own, on which ARM checks the caller's access too
 * ("linked access"):
 *  - ids at the fields the route's resource type declares (its descriptor's `references`, required
 *    of every type: domain/shared/resource-type.ts): making an image, a version or a disk from a
 *    source needs read on that source, wherever it lives (another resource group or subscription:
 *    this is how a shared gallery version is used); a template acting as an identity needs the right
 *    to assign it; a reference's `unchecked` types (platform images) need nothing. References the operation checks itself (`checkedBy: 'operation'`) are left to it;
 *  - Kiln blob URLs anywhere: every string of the body that is a blob URL of a Kiln region needs the
 *    caller's read access to that blob (domain/storage/linked-blob-read.ts), wherever the field is, so
 *    a field added later is covered without being listed. The only exceptions are the descriptor's
 *    `blobsFetchedByRuns`: URLs the image builder downloads during a run, under the blob route's own rules.
 */
import { parseBlobUrl } from '../../core/blob-url.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import { parseScope } from '../../domain/authorization/scope.ts';
import type { ResourceTypeDescriptor } from '../../domain/shared/resource-type.ts';
import type { LinkedBlob } from '../../domain/storage/linked-blob-read.ts';

export interface LinkedAccess {
  action: string;
  scope: string;
  /** The reference's field, and the type an identity named there is assigned to when not the resource's own. */
  field: string;
  assignedTo?: string;
}

/**
 * The values at `path` in `value`: a reference's `field` split at its dots (domain/shared/resource-type.ts
 * spells the syntax). Member names match without case, as the operations read them
 * (domain/shared/validate.ts), so a differently cased member cannot slip past its check.
 */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path;
  if (head.endsWith('{}'))
    return members(value, head.slice(0, -2)).flatMap((object) =>
      object !== null && typeof object === 'object' && !Array.isArray(object) ? Object.keys(object) : [],
    );
  const many = head.endsWith('[]');
  return members(value, many ? head.slice(0, -2) : head).flatMap((next) => {
    if (!many) return valuesAt(next, rest);
    return Array.isArray(next) ? next.flatMap((item) => valuesAt(item, rest)) : [];
  });
}

/** The values of `value`'s members named `name` in any case. */
function members(value: unknown, name: string): unknown[] {
  if (value === null || typeof value !== 'object') return [];
  const wanted = name.toLowerCase();
  return Object.entries(value).flatMap(([key, member]) => (key.toLowerCase() === wanted ? [member] : []));
}

/** `Microsoft.Compute/galleries/images/versions/read` for a version id, spelled as the id spells it. */
function readActionOf(id: string): string | undefined {
  const parsed = parseResourceId(id);
  if (!parsed?.namespace) return undefined;
  return [parsed.namespace, ...parsed.types.map(([type]) => type), 'read'].join('/');
}

/** The linked checks on ids a request of resource `type` with `body` needs, in the order its references are declared. */
export function linkedAccess(type: ResourceTypeDescriptor, body: unknown): LinkedAccess[] {
  return type.references
    .filter((reference) => reference.checkedBy === undefined)
    .flatMap(({ field, needs, unchecked = [], assignedTo }) =>
      valuesAt(body, field.split('.')).flatMap((scope) => {
        // ARM takes ids without their leading slash too; anything else is left to validation.
        const parsed = typeof scope === 'string' ? parseScope(scope) : undefined;
        const id = parsed && parseResourceId(parsed.path);
        if (id && unchecked.includes(resourceTypeOf(id))) return [];
        const linked = parsed && (needs === 'read' ? readActionOf(parsed.path) : needs);
        return linked ? [{ action: linked, scope: parsed.path, field, ...(assignedTo ? { assignedTo } : {}) }] : [];
      }),
    );
}

/** Every string of `value` with its path (`a.b[].c`). */
function stringsIn(value: unknown, path: string): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item) => stringsIn(item, `${path}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => stringsIn(item, path === '' ? key : `${path}.${key}`));
}

/**
 * The blob URLs in a request body of resource `type` that the caller must be able to read, with the
 * URL as a refusal may show it (no query: a SAS is a secret). Which region a URL names is not checked
 * here: URLs of regions Kiln does not have are left to the operation's validation.
 */
export function linkedBlobs(type: ResourceTypeDescriptor, body: unknown): Array<LinkedBlob & { url: string }> {
  // Compared without case, as the walk spells paths from the body's own keys.
  const skipped = new Set((type.blobsFetchedByRuns ?? []).map((p) => p.toLowerCase()));
  return stringsIn(body, '').flatMap(({ path, text }) => {
    // Parsed from the raw text, as the operation will parse it: a URL object would have normalised it.
    const blob = skipped.has(path.toLowerCase()) ? undefined : parseBlobUrl(text);
    if (blob === undefined) return [];
    const url = new URL(text);
    return [
      {
        region: blob.region,
        container: blob.container,
        key: blob.key,
        signed: blob.signed,
        query: url.searchParams,
        url: `${url.origin}${url.pathname}`,
      },
    ];
  });
}
