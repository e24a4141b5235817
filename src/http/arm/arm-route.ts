import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { routeAccess } from './route-action.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Declares an ARM route, the resource type whose api-versions it accepts, and (from its path) its RBAC action. */
export function armRoute(scope: FastifyInstance, method: HTTPMethods, url: string, resourceType: string, handler: Handler): void {
  scope.route({ method, url, config: { arm: { resourceType, access: routeAccess(method, url) } }, handler });
}

export const params = (request: FastifyRequest) => request.params as Record<string, string>;

export const jsonBody = (request: FastifyRequest): Record<string, unknown> => {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
};
