/**
 * What ARM answers for a request no route serves, read off the resource type table: a namespace Kiln
 * serves no type of is 400 NoRegisteredProviderFound, a type its namespace does not have 400
 * InvalidResourceType (ARM's words for both), a type Kiln serves asked with a method it does not take
 * 405; anything else, 404.
 */
import { ArmError } from '../../core/arm-error.ts';
import { RESOURCE_TYPES } from '../../domain/resource-types.ts';

const KNOWN_TYPES = new Set(RESOURCE_TYPES.map((t) => t.type.toLowerCase()));
const NAMESPACES = [...new Set(RESOURCE_TYPES.map((t) => t.type.slice(0, t.type.indexOf('/'))))];

const decoded = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export function unmatchedRequest(method: string, url: string): ArmError {
  const [path, query = ''] = url.split('?');
  const notFound = new ArmError(404, 'NotFound', `No route matches ${method} ${path}.`);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decoded);
  const lower = segments.map((s) => s.toLowerCase());
  let providers = lower.lastIndexOf('providers');
  // `providers` right below a namespace is one of its types (Microsoft.Features/providers/{namespace}/features).
  if (providers >= 2 && lower[providers - 2] === 'providers') providers -= 2;
  if (lower[0] !== 'subscriptions' || providers < 0 || providers + 2 >= segments.length) return notFound;
  const namespace = segments[providers + 1];
  const types = segments.slice(providers + 2).filter((_, i) => i % 2 === 0);
  const type = `${namespace}/${types.join('/')}`;
  const apiVersion = new URLSearchParams(query).get('api-version') ?? '';
  if (!NAMESPACES.some((n) => n.toLowerCase() === namespace.toLowerCase()))
    return new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location 'global' and API version '${apiVersion}' for type '${types.join('/')}'. Kiln serves the namespaces ${NAMESPACES.join(', ')}.`,
    );
  if (KNOWN_TYPES.has(type.toLowerCase()))
    return new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
  // A POST to a type's path names an action of that type; an unknown one is no route, not an unknown type.
  const actionOf = `${namespace}/${types.slice(0, -1).join('/')}`.toLowerCase();
  if (method === 'POST' && segments.length % 2 === 1 && KNOWN_TYPES.has(actionOf)) return notFound;
  return new ArmError(
    400,
    'InvalidResourceType',
    `The resource type '${types.join('/')}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`,
  );
}
