/**
 * ARM resource ids: `/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child}/{name}]`.
 * Segments compare case-insensitively and keep their case for display.
 */

export interface ResourceId {
  subscription: string;
  resourceGroup?: string;
  /** Provider namespace, e.g. `Microsoft.Compute`; absent for resource groups and subscriptions. */
  namespace?: string;
  /** Type and name pairs below the namespace, e.g. [['galleries','g1'],['images','def']]. */
  types: Array<[string, string]>;
}

export function formatResourceId(id: ResourceId): string {
  let s = `/subscriptions/${id.subscription}`;
  if (id.resourceGroup !== undefined) s += `/resourceGroups/${id.resourceGroup}`;
  if (id.namespace !== undefined) {
    s += `/providers/${id.namespace}`;
    for (const [type, name] of id.types) s += `/${type}/${name}`;
  }
  return s;
}

/** Parses an ARM resource id (a missing leading slash is tolerated, as ARM does); undefined when malformed. */
export function parseResourceId(raw: string): ResourceId | undefined {
  const parts = raw.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'subscriptions' || !parts[1]) return undefined;
  const id: ResourceId = { subscription: parts[1], types: [] };
  let i = 2;
  if (parts[i]?.toLowerCase() === 'resourcegroups') {
    if (!parts[i + 1]) return undefined;
    id.resourceGroup = parts[i + 1];
    i += 2;
  }
  if (i === parts.length) return id;
  if (parts[i]?.toLowerCase() !== 'providers' || !parts[i + 1]) return undefined;
  id.namespace = parts[i + 1];
  i += 2;
  const rest = parts.slice(i);
  if (rest.length === 0 || rest.length % 2 !== 0 || rest.some((p) => p === '')) return undefined;
  for (let j = 0; j < rest.length; j += 2) id.types.push([rest[j], rest[j + 1]]);
  return id;
}

/** `Microsoft.Compute/galleries/images` for a parsed id, lower-cased. */
export function resourceTypeOf(id: ResourceId): string {
  if (id.namespace === undefined)
    return id.resourceGroup !== undefined ? 'microsoft.resources/resourcegroups' : 'microsoft.resources/subscriptions';
  return [id.namespace, ...id.types.map(([t]) => t)].join('/').toLowerCase();
}

/** The store key of a resource id: the whole id lower-cased, with one leading slash and none at the end. */
export function resourceKey(id: string | ResourceId): string {
  if (typeof id !== 'string') return formatResourceId(id).toLowerCase();
  // Most ids are already so (every GET derives one): no pattern need scan them.
  if (id.startsWith('/') && id[1] !== '/' && !id.endsWith('/')) return id.toLowerCase();
  return ('/' + id.replace(/^\/+/, '').replace(/\/+$/, '')).toLowerCase();
}

export function resourceGroupId(subscription: string, resourceGroup: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}`;
}
