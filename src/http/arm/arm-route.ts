import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { RESOURCE_TYPES } from '../../domain/resource-types.ts';
import type { ResourceTypeDescriptor } from '../../domain/shared/resource-type.ts';
import { routeAccess } from './route-action.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Declares an ARM route, the resource type it serves (whose api-versions it accepts and whose body
 * references linked access checks) and, from its path, its RBAC action. A type missing from
 * domain/resource-types.ts is refused here, so no server starts with it.
 */
export function armRoute(
  scope: FastifyInstance,
  method: HTTPMethods,
  url: string,
  type: ResourceTypeDescriptor,
  handler: Handler,
): void {
  if (!RESOURCE_TYPES.includes(type))
    throw new Error(`${type.type} is served at ${url} but not listed in src/domain/resource-types.ts`);
  const access = routeAccess(method, url);
  scope.route({ method, url, config: { arm: { type, access } }, handler });
  // ARM answers HEAD wherever a GET reads one resource (checkExistence): 204 when it is there, else the GET's error.
  if (method === 'GET' && !access.list)
    scope.route({
      method: 'HEAD',
      url,
      config: { arm: { type, access: routeAccess('HEAD', url) } },
      handler,
      onSend: async (_request, reply, payload) => (reply.statusCode === 200 ? (reply.code(204), '') : payload),
    });
}

/** A descriptor's path template as a route path (`{name}` becomes `:name`), `{scope}` replaced by `scope`. */
export function routePath(template: string, scope = ''): string {
  return template.replace('{scope}', scope).replace(/\{(\w+)\}/g, ':$1');
}

export const params = (request: FastifyRequest) => request.params as Record<string, string>;

/** The route's parameters as the ref of the resource they name: descriptor path templates name them after its fields (domain/shared/resource-type.ts). */
export const refOf = <Ref>(request: FastifyRequest) => params(request) as Ref;

export const jsonBody = (request: FastifyRequest): Record<string, unknown> => {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
};
