/**
 * Resources a request body names besides the route's own, on which ARM checks the caller's access too
 * ("linked access"):
 *  - ids at known places: making an image, a version or a disk from a source needs read on that
 *    source, wherever it lives (another resource group or subscription: this is how a shared gallery
 *    version is used); a template acting as an identity needs the right to assign it;
 *  - Kiln blob URLs anywhere: every string of the body that is a blob URL of a Kiln region needs the
 *    caller's read access to that blob (domain/storage/linked-blob-read.ts), wherever the field is, so
 *    a field added later is covered without being listed. The only exceptions are listed below: URLs
 *    the image builder downloads during a run, under the blob route's own rules.
 * A custom role's assignable scopes are checked by the role definition operations themselves, which
 * also know the scopes it has now.
 */
import { parseBlobUrl } from '../../core/blob-url.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import { parseScope } from '../../domain/authorization/scope.ts';
import type { LinkedBlob } from '../../domain/storage/linked-blob-read.ts';

export interface LinkedAccess {
  action: string;
  scope: string;
}

/** Where a source id sits in the body (`[]` walks an array; a last segment ending `{}` names an object's keys) and the action it needs: `read` on the source's own type, or a fixed action. */
type Link = { path: string; action: string };

const DISK_SOURCE: Link[] = [{ path: 'properties.creationData.sourceResourceId', action: 'read' }];

const LINKS: Record<string, Link[]> = {
  'microsoft.compute/images': [
    'properties.storageProfile.osDisk.managedDisk.id',
    'properties.storageProfile.osDisk.snapshot.id',
    'properties.storageProfile.dataDisks[].managedDisk.id',
    'properties.storageProfile.dataDisks[].snapshot.id',
    'properties.sourceVirtualMachine.id',
  ].map((path) => ({ path, action: 'read' })),
  'microsoft.compute/galleries/images/versions': [
    'properties.storageProfile.source.id',
    'properties.storageProfile.osDiskImage.source.id',
    'properties.storageProfile.dataDiskImages[].source.id',
  ].map((path) => ({ path, action: 'read' })),
  'microsoft.compute/disks': DISK_SOURCE,
  'microsoft.compute/snapshots': DISK_SOURCE,
  // A template acts as its identity, which takes the right to assign it, as in Azure.
  'microsoft.virtualmachineimages/imagetemplates': [{ path: 'identity.userAssignedIdentities{}', action: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' }],
};

/**
 * Blob URL fields not read when the request is served but downloaded by a run, as the template's
 * identity (whose use is the linked assign/action above) or with the URL's own SAS, else with no
 * credentials: the blob route then applies its rules to that download (jobs/tasks/template-downloads.ts,
 * template-source.ts). Paths as the walk spells them, compared without case.
 */
const FETCHED_BY_RUNS: Record<string, string[]> = {
  'microsoft.virtualmachineimages/imagetemplates': ['properties.customize[].scriptUri', 'properties.customize[].sourceUri', 'properties.source.sourceUri'],
};

function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path;
  if (head.endsWith('{}')) {
    const object = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[head.slice(0, -2)] : undefined;
    return object !== null && typeof object === 'object' && !Array.isArray(object) ? Object.keys(object) : [];
  }
  const many = head.endsWith('[]');
  const field = many ? head.slice(0, -2) : head;
  const next = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  if (!many) return valuesAt(next, rest);
  return Array.isArray(next) ? next.flatMap((item) => valuesAt(item, rest)) : [];
}

/** `Microsoft.Compute/galleries/images/versions/read` for a version id, spelled as the id spells it. */
function readActionOf(id: string): string | undefined {
  const parsed = parseResourceId(id);
  if (!parsed?.namespace) return undefined;
  return [parsed.namespace, ...parsed.types.map(([type]) => type), 'read'].join('/');
}

/** The linked checks on ids a request of `resourceType` with `body` needs. */
export function linkedAccess(resourceType: string, body: unknown): LinkedAccess[] {
  return (LINKS[resourceType] ?? []).flatMap(({ path, action }) =>
    valuesAt(body, path.split('.')).flatMap((scope) => {
      // ARM takes ids without their leading slash too; anything else is left to validation.
      const parsed = typeof scope === 'string' ? parseScope(scope) : undefined;
      const linked = parsed && (action === 'read' ? readActionOf(parsed.path) : action);
      return linked ? [{ action: linked, scope: parsed.path }] : [];
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
 * The blob URLs in a request body of `resourceType` that the caller must be able to read, with the
 * URL as a refusal may show it (no query: a SAS is a secret). Which region a URL names is not checked
 * here: URLs of regions Kiln does not have are left to the operation's validation.
 */
export function linkedBlobs(resourceType: string, body: unknown): Array<LinkedBlob & { url: string }> {
  const skipped = new Set((FETCHED_BY_RUNS[resourceType] ?? []).map((p) => p.toLowerCase()));
  return stringsIn(body, '').flatMap(({ path, text }) => {
    // Parsed from the raw text, as the operation will parse it: a URL object would have normalised it.
    const blob = skipped.has(path.toLowerCase()) ? undefined : parseBlobUrl(text);
    if (blob === undefined) return [];
    const url = new URL(text);
    return [{ region: blob.region, container: blob.container, key: blob.key, signed: blob.signed, query: url.searchParams, url: `${url.origin}${url.pathname}` }];
  });
}
