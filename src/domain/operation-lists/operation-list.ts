/**
 * Azure's Operation entries (OperationListResult: name, display {provider, resource, operation,
 * description}, origin, isDataAction) for a namespace, made from RBAC actions. The HTTP layer hands in
 * the actions of the routes it serves (derived from each route's path), so the list names exactly what
 * a caller can do and be granted, and a route added later is listed with no edit here. The display
 * words come from the action's own segments (`galleries/images/versions/write` is "Create or Update
 * Gallery Image Version"), as Azure's lists spell them out.
 */

export interface OperationEntry {
  name: string;
  display: { provider: string; resource: string; operation: string; description: string };
  origin: 'user,system';
  isDataAction: false;
}

/** `publicIPAddresses` as `Public IP Addresses`. */
const words = (segment: string) =>
  segment
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/\b[a-z]/g, (c) => c.toUpperCase());

const singular = (word: string) =>
  word
    .replace(/ies$/, 'y')
    .replace(/(ss|x|ch|sh)es$/, '$1')
    .replace(/([^s])s$/, '$1');

function entry(namespace: string, action: string): OperationEntry {
  const segments = action.split('/').slice(1);
  const verb = segments.pop()!;
  const named = verb.toLowerCase() === 'action' ? segments.pop()! : undefined;
  const provider = namespace.split('.').map(words).join(' ');
  const resource = segments.map((s, i) => (i < segments.length - 1 ? singular(words(s)) : words(s))).join(' ');
  const one = singular(resource);
  const [operation, description] = named
    ? segments.length === 0
      ? [`${words(named)} Subscription`, `${words(named)}s the subscription for the ${namespace} resource provider.`]
      : [`${words(named)} ${one}`, `Runs ${named} on ${resource}.`]
    : {
        read: [`Get ${one}`, `Gets or lists ${resource}.`],
        write: [`Create or Update ${one}`, `Creates or updates ${resource}.`],
        delete: [`Delete ${one}`, `Deletes ${resource}.`],
      }[verb.toLowerCase()]!;
  return {
    name: action,
    display: { provider, resource: resource || provider, operation, description },
    origin: 'user,system',
    isDataAction: false,
  };
}

/** The entries of `namespace`'s actions among `actions` (any namespace, duplicates allowed), by name. */
export function operationEntries(namespace: string, actions: Iterable<string>): OperationEntry[] {
  const prefix = `${namespace.toLowerCase()}/`;
  const mine = new Map<string, string>();
  for (const action of actions) {
    if (action.toLowerCase().startsWith(prefix) && !mine.has(action.toLowerCase()))
      mine.set(action.toLowerCase(), `${namespace}/${action.slice(prefix.length)}`);
  }
  return [...mine.values()].sort().map((action) => entry(namespace, action));
}
