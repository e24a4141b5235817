/**
 * The Azure RBAC action of every ARM route, derived from its path template and method in one place:
 * the resource type is the provider namespace (Microsoft.Resources for subscriptions and groups)
 * followed by the type segments, and the verb is read (GET, HEAD), write (PUT, PATCH), delete, or,
 * for POST, the action named by the last segment. So
 *   GET    /subscriptions/{s}/resourceGroups/{g}            Microsoft.Resources/subscriptions/resourceGroups/read
 *   PUT    .../providers/Microsoft.Compute/galleries/{g}     Microsoft.Compute/galleries/write
 *   GET    .../providers/Microsoft.Compute/galleries         Microsoft.Compute/galleries/read (a list, checked at its parent)
 *   POST   .../Microsoft.Compute/disks/{d}/beginGetAccess    Microsoft.Compute/disks/beginGetAccess/action
 *   PUT    {scope}/providers/Microsoft.Authorization/roleAssignments/{id}  Microsoft.Authorization/roleAssignments/write
 */

/** How a route is checked against the caller's role assignments. */
export type AccessCheck =
  /** The action must be granted at the scope or above. */
  | 'action'
  /** As 'action', or any assignment in or under the scope: a subscription is visible to whoever has access in it. */
  | 'member'
  /**
   * The handler checks, once it has read the record the call names: what an operation acts on is only
   * known from the operation (polling needs read on that resource: authorize.ts, authorizePoll).
   */
  | 'handler'
  /** Any signed-in caller: nothing here names a resource the caller could not otherwise learn of. */
  | 'none';

export interface RouteAccess {
  action: string;
  /** Path template of the scope the action is checked at (`/` for tenant-level lists). */
  scope: string;
  /** A collection GET: a caller with the action on some members only sees those, as in ARM. */
  list: boolean;
  check: AccessCheck;
}

const VERBS: Record<string, string> = { GET: 'read', HEAD: 'read', PUT: 'write', PATCH: 'write', DELETE: 'delete' };

/** Static segments whose spelling in routes differs from Azure's. */
const SPELLING: Record<string, string> = { resourcegroups: 'resourceGroups' };

const CHECKS: Record<string, AccessCheck> = {
  'microsoft.resources/tenants/read': 'none',
  // Role definitions name no resources; az looks them up by name before assigning (`--role Reader`).
  'microsoft.authorization/roledefinitions/read': 'none',
  // Polled at a subscription-level URL by callers who may hold access to one resource group only, so
  // the check is read on the operation's own resource, not the URL's action at the subscription.
  'microsoft.compute/locations/operations/read': 'handler',
  'microsoft.compute/locations/operationresults/read': 'handler',
  'microsoft.virtualmachineimages/locations/operations/read': 'handler',
  'microsoft.virtualmachineimages/locations/operationresults/read': 'handler',
  'microsoft.resources/subscriptions/operationresults/read': 'handler',
  'microsoft.resources/subscriptions/read': 'member',
  'microsoft.resources/subscriptions/locations/read': 'member',
};

const spell = (segment: string) => SPELLING[segment.toLowerCase()] ?? segment;

export function routeAccess(method: string, url: string): RouteAccess {
  const segments = url.split('/').filter((s) => s !== '');
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const [namespace, rest] =
    providers >= 0 ? [segments[providers + 1], segments.slice(providers + 2)] : ['Microsoft.Resources', segments];
  const type = [namespace, ...rest.filter((_, i) => i % 2 === 0).map(spell)].join('/');
  const named = rest.length % 2 === 0;
  // A collection at the top of a provider is checked at the scope above `providers/{namespace}`.
  const parentEnd = rest.length === 1 && providers >= 0 ? providers : segments.length - 1;
  const scopeOf = (end: number) => '/' + segments.slice(0, end).map(spell).join('/');
  const action = named ? `${type}/${VERBS[method]}` : method === 'POST' ? `${type}/action` : `${type}/read`;
  return {
    action,
    scope: named ? scopeOf(segments.length) : scopeOf(method === 'POST' ? segments.length - 1 : parentEnd),
    list: !named && method === 'GET',
    check: CHECKS[action.toLowerCase()] ?? 'action',
  };
}

/** The route's scope template with the request's parameters in it. */
export function fillScope(template: string, params: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
}
