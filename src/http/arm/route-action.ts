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
 *   POST   /subscriptions/{s}/providers/{namespace}/register  {namespace}/register/action (providerAccess, below)
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
  | 'none'
  /**
   * Operators of the install only: an admin namespace (`Microsoft.Compute.Admin`, as Azure Stack Hub
   * names what its operators manage) changes what every subscription shares, so the action is checked
   * at every subscription's root (domain/authorization/operator-access.ts).
   */
  | 'operator';

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
  // The caller's own permissions at a scope, which the portal asks before it shows a button: they tell
  // nothing of anyone else's access. Azure's operations list has the action, yet every role that reads
  // anything holds it (`*/read`); a caller with no role at the scope is answered an empty list.
  'microsoft.authorization/permissions/read': 'none',
  // Polled at a subscription-level URL by callers who may hold access to one resource group only, so
  // the check is read on the operation's own resource, not the URL's action at the subscription.
  'microsoft.compute/locations/operations/read': 'handler',
  'microsoft.compute/locations/operationresults/read': 'handler',
  'microsoft.virtualmachineimages/locations/operations/read': 'handler',
  'microsoft.virtualmachineimages/locations/operationresults/read': 'handler',
  'microsoft.resources/subscriptions/operationresults/read': 'handler',
  // Community galleries are public: every signed-in principal reads them, in whatever subscription it names.
  'microsoft.compute/locations/communitygalleries/read': 'none',
  'microsoft.compute/locations/communitygalleries/images/read': 'none',
  'microsoft.compute/locations/communitygalleries/images/versions/read': 'none',
  'microsoft.resources/subscriptions/read': 'member',
  'microsoft.resources/subscriptions/locations/read': 'member',
  // Tags at a scope take the tags action there or the tagged resource's own, which the handler knows (routes/tags.ts).
  'microsoft.resources/tags/read': 'handler',
  'microsoft.resources/tags/write': 'handler',
  'microsoft.resources/tags/delete': 'handler',
};

const spell = (segment: string) => SPELLING[segment.toLowerCase()] ?? segment;

/** A namespace's list of the operations it serves (`/providers/Microsoft.Compute/operations`): public, as in Azure. */
const OPERATION_LIST = /^[^/]+\/operations\/read$/i;

/** Azure Stack Hub's admin namespaces, `Microsoft.Compute.Admin`: for the install's operators. */
const ADMIN_NAMESPACE = /^[^/]+\.Admin\//i;

/**
 * Microsoft.Resources' providers, which name namespaces rather than resources below one:
 * `/providers[/{namespace}]` at the tenant, open to every signed-in caller, and
 * `/subscriptions/{s}/providers[/{namespace}]`, `Microsoft.Resources/subscriptions/providers/read` for
 * anyone with access in the subscription (so is a provider's `resourceTypes`); registering is the namespace's own `{namespace}/register/action`
 * (`unregister/action`) at the subscription, as Azure names them. The namespace is a route parameter, so
 * that action holds it (`:namespace/register/action`) until the request fills it in (authorize.ts).
 */
function providerAccess(method: string, segments: string[]): RouteAccess | undefined {
  const at = segments[0]?.toLowerCase() === 'subscriptions' ? 2 : 0;
  const [providers, namespace, verb, ...more] = segments.slice(at);
  if (providers?.toLowerCase() !== 'providers' || more.length > 0 || (namespace && !namespace.startsWith(':')))
    return undefined;
  if (verb?.startsWith(':')) return undefined;
  const scope = '/' + segments.slice(0, at).join('/');
  if (verb && method === 'POST') return { action: `${namespace}/${verb}/action`, scope, list: false, check: 'action' };
  return at === 0
    ? { action: 'Microsoft.Resources/providers/read', scope, list: false, check: 'none' }
    : { action: 'Microsoft.Resources/subscriptions/providers/read', scope, list: false, check: 'member' };
}

export function routeAccess(method: string, url: string): RouteAccess {
  const segments = url.split('/').filter((s) => s !== '');
  const provider = providerAccess(method, segments);
  if (provider) return provider;
  const lower = segments.map((s) => s.toLowerCase());
  let providers = lower.lastIndexOf('providers');
  // `providers` right below a namespace is one of its types (Microsoft.Features/providers/{namespace}/features).
  if (providers >= 2 && lower[providers - 2] === 'providers') providers -= 2;
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
    check:
      CHECKS[action.toLowerCase()] ??
      (OPERATION_LIST.test(action) ? 'none' : ADMIN_NAMESPACE.test(action) ? 'operator' : 'action'),
  };
}

/** A template split at its parameters: text, name, text, ... text (as `split` with a capture gives it). */
const templateParts = new Map<string, string[]>();

/**
 * The route's scope (or action) template with the request's parameters in it. Every ARM call fills
 * two; each template (one per route, so the map is bounded) is split once instead of run through a
 * replace callback per call.
 */
export function fillScope(template: string, params: Record<string, string>): string {
  let parts = templateParts.get(template);
  if (!parts) {
    parts = template.split(/:(\w+)/);
    templateParts.set(template, parts);
  }
  let filled = parts[0];
  for (let i = 1; i < parts.length; i += 2) filled += (params[parts[i]] ?? '') + parts[i + 1];
  return filled;
}
