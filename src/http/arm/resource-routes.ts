/**
 * The routes every ARM resource type has (PUT, PATCH, GET, DELETE on one resource; GET on its
 * collections), wired to its domain operations in one place: status codes, ETags, long-running
 * operations and paging are answered the same way for every type.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationData } from '../../domain/operations/operation.ts';
import type { Page } from '../../domain/shared/paging.ts';
import type { AppDeps } from '../deps.ts';
import { armRoute } from './arm-route.ts';
import { sendLongRunning, sendPage, sendResource } from './reply.ts';

/** What a write returns: the resource, and the operation still finishing it, if any. */
export interface WriteResult {
  status: 200 | 201 | 202;
  body: unknown;
  etag: string;
  operation?: OperationData;
  /** Status once the operation is done (defaults to `status`, or 200 after a 202). */
  doneStatus?: 200 | 201;
}

export interface ResourceRoutes {
  /** Lower-cased resource type whose api-versions the routes accept. */
  type: string;
  /** Path of one resource. */
  path: string;
  /** Paths of the collections that list it (by resource group, by subscription, under a parent). */
  collections: string[];
  put(request: FastifyRequest): Promise<WriteResult>;
  patch(request: FastifyRequest): Promise<WriteResult>;
  get(request: FastifyRequest): Promise<{ body: unknown; etag: string }>;
  /** True when something was deleted (200), false when there was nothing (204). */
  delete(request: FastifyRequest): Promise<boolean>;
  list(request: FastifyRequest): Promise<Page<unknown>>;
}

export function registerResourceRoutes(scope: FastifyInstance, deps: AppDeps, routes: ResourceRoutes): void {
  const write = (request: FastifyRequest, reply: FastifyReply, result: WriteResult) => {
    if (!result.operation) return sendResource(reply, result.status, result.body, result.etag);
    const done = result.doneStatus ?? (result.status === 202 ? 200 : result.status);
    return sendLongRunning(request, reply, deps, { status: result.status, operation: result.operation, body: result.body, etag: result.etag }, done);
  };
  armRoute(scope, 'PUT', routes.path, routes.type, async (request, reply) => write(request, reply, await routes.put(request)));
  armRoute(scope, 'PATCH', routes.path, routes.type, async (request, reply) => write(request, reply, await routes.patch(request)));
  armRoute(scope, 'GET', routes.path, routes.type, async (request, reply) => {
    const { body, etag } = await routes.get(request);
    return sendResource(reply, 200, body, etag);
  });
  armRoute(scope, 'DELETE', routes.path, routes.type, async (request, reply) => reply.status((await routes.delete(request)) ? 200 : 204).send());
  for (const collection of routes.collections) {
    armRoute(scope, 'GET', collection, routes.type, async (request, reply) => sendPage(request, reply, await routes.list(request)));
  }
}
