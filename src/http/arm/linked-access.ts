/**
 * Resources a PUT names besides its own, on which ARM checks the caller's access too ("linked
 * access"): making an image, a version or a disk from a source needs read on that source, wherever
 * it lives (another resource group or subscription: this is how a shared gallery version is used),
 * and a custom role needs roleDefinitions/write on every scope it may be assigned at.
 */
import { parseResourceId } from '../../core/resource-id.ts';
import { parseScope } from '../../domain/authorization/scope.ts';

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
  'microsoft.authorization/roledefinitions': [{ path: 'properties.assignableScopes[]', action: 'Microsoft.Authorization/roleDefinitions/write' }],
  // A template acts as its identity, which takes the right to assign it, as in Azure.
  'microsoft.virtualmachineimages/imagetemplates': [{ path: 'identity.userAssignedIdentities{}', action: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' }],
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

/** The linked checks a PUT of `resourceType` with `body` needs. */
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
