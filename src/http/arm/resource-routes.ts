/**
 * The routes every ARM resource type has (PUT, PATCH, GET, DELETE on its descriptor's `path`; GET on
 * its `collections`), wired to its domain operations in one place: status codes, ETags, long-running
 * operations and paging are answered the same way for every type. The path templates name their
 * parameters after the fields of the type's ref (domain/shared/resource-ref.ts), so the route's
 * parameters are handed to the operations as that ref.
 *
 * Every answer is in the shape of the request's api-version (domain/shared/version-shape.ts): what a
 * type's `view` shows is then left without the members that version's model lacks, and a write body
 * carrying one is refused before the operation runs. A GET kept rendered (rendered-records.ts) is the
 * newest shape, so a request at a version with members left out renders its own answer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationData } from '../../domain/operations/operation.ts';
import type { Page } from '../../domain/shared/paging.ts';
import type { ResourceTypeDescriptor } from '../../domain/shared/resource-type.ts';
import { parseResourceId, resourceKey, resourceTypeOf } from '../../core/resource-id.ts';
import type { StoredRecord } from '../../ports/metadata-store.ts';
import type { AppDeps } from '../deps.ts';
import { armRoute, params, refOf, routePath } from './arm-route.ts';
import { renderedRecords } from './rendered-records.ts';
import { sendAccepted, sendLongRunning, sendPage, sendPolled, sendResource } from './reply.ts';
import { fillScope, routeAccess } from './route-action.ts';
import { apiVersionOf } from './urls.ts';
import { isShapedAt, refuseNewerMembers, shapeFor } from '../../domain/shared/version-shape.ts';

/** What a write returns: the resource, and the operation still finishing it, if any. */
export interface WriteResult {
  status: 200 | 201 | 202;
  body: unknown;
  etag: string;
  operation?: OperationData;
  /** Status once the operation is done (defaults to `status`, or 200 after a 202). */
  doneStatus?: 200 | 201;
  /**
   * Answer 201 with the operation to poll at once, however soon it ends, never the resource it made:
   * a create that Azure always finishes after answering (an image template's).
   */
  alwaysPolled?: boolean;
}

/** What GET answers for a stored resource: its public representation (never its internal facts) and its etag. */
const storedResource = <R>(record: StoredRecord<{ resource: R }>) => ({
  body: record.data.resource,
  etag: record.etag,
});

/**
 * GET of one resource, one of:
 *  - `read`: the stored record whose resource GET answers as it is, with the record's etag. Its
 *    answers are kept rendered while the record is unchanged (rendered-records.ts), unless the type
 *    has a `view`. The record must be the one the route's path names.
 *  - `get`: any other answer (a resource shown with what other records say, or as the request asks).
 */
type ResourceGet<Ref> =
  | { read(ref: Ref): Promise<StoredRecord<{ resource: unknown }>>; get?: never }
  | { get(ref: Ref, request: FastifyRequest): Promise<{ body: unknown; etag: string }>; read?: never };

/** `Ref` names one resource (the path's parameters), `ListRef` where a list looks (a collection's). */
export type ResourceRoutes<Ref, ListRef> = ResourceGet<Ref> & {
  type: ResourceTypeDescriptor & { path: string; collections: readonly string[] };
  put(ref: Ref, request: FastifyRequest): Promise<WriteResult>;
  /** Absent for a type whose provider has no PATCH (a subnet, a security rule). */
  patch?(ref: Ref, request: FastifyRequest): Promise<WriteResult>;
  /**
   * True when something was deleted (200), false when there was nothing (204); or, for a type whose
   * specification lists 202 and 204 only (image templates), the operation to poll (202) or undefined (204).
   */
  delete(ref: Ref, request: FastifyRequest): Promise<boolean | OperationData | undefined>;
  list(ref: ListRef, request: FastifyRequest): Promise<Page<unknown>>;
  /**
   * How every answer shows a stored resource (what put, patch, get and list return, and the resource a
   * long-running write made) to the request, when that differs from the record: by its api-version's
   * shape, say. Absent: as stored.
   */
  view?(resource: unknown, request: FastifyRequest): unknown | Promise<unknown>;
};

const JSON_TYPE = 'application/json; charset=utf-8';

type Show = (resource: unknown, request: FastifyRequest) => Promise<unknown>;

/** How each type's answers show a resource, per app (its deps): what an operation's result shows too. */
const SHOWN_BY = new WeakMap<AppDeps, Map<string, Show>>();

/**
 * The resource `id` names as its own type's answers show it to `request` (its `view`, then the
 * request's api-version's shape): what a long-running operation's polled result gives, so a version's
 * target regions read `West US` there as its GET has them. A type with no routes here is only shaped.
 */
export function showById(deps: AppDeps, id: string, resource: unknown, request: FastifyRequest): Promise<unknown> {
  const parsed = parseResourceId(id);
  if (!parsed) return Promise.resolve(resource);
  const type = resourceTypeOf(parsed);
  const show = SHOWN_BY.get(deps)?.get(type.toLowerCase());
  return show ? show(resource, request) : Promise.resolve(shapeFor(type, resource, apiVersionOf(request)));
}

export function registerResourceRoutes<Ref, ListRef>(
  scope: FastifyInstance,
  deps: AppDeps,
  routes: ResourceRoutes<Ref, ListRef>,
): void {
  const { type } = routes;
  const show: Show = async (resource, request) =>
    shapeFor(type.type, routes.view ? await routes.view(resource, request) : resource, apiVersionOf(request));
  const shown = SHOWN_BY.get(deps) ?? new Map<string, Show>();
  SHOWN_BY.set(deps, shown.set(type.type.toLowerCase(), show));
  /** Refuses a write whose body carries a member its api-version's model does not have. */
  const checkBody = (request: FastifyRequest) => refuseNewerMembers(type.type, request.body, apiVersionOf(request));
  const write = async (request: FastifyRequest, reply: FastifyReply, result: WriteResult) => {
    const body = await show(result.body, request);
    if (!result.operation) return sendResource(reply, result.status, body, result.etag);
    if (result.alwaysPolled) return sendPolled(request, reply, 201, result.operation, body, result.etag);
    const done = result.doneStatus ?? (result.status === 202 ? 200 : result.status);
    return sendLongRunning(
      request,
      reply,
      deps,
      { status: result.status, operation: result.operation, body, etag: result.etag },
      done,
      (resource) => show(resource, request),
    );
  };
  const path = routePath(type.path);
  const ref = refOf<Ref>;
  armRoute(scope, 'PUT', path, type, async (request, reply) => {
    checkBody(request);
    return write(request, reply, await routes.put(ref(request), request));
  });
  const { patch } = routes;
  if (patch)
    armRoute(scope, 'PATCH', path, type, async (request, reply) => {
      checkBody(request);
      return write(request, reply, await patch(ref(request), request));
    });
  const { read, get } = routes;
  // The record a path names is the resource the path is the id of (what its GET is checked at).
  const idTemplate = routeAccess('GET', path).scope;
  const rendered = read && !routes.view ? renderedRecords(deps.domain.store) : undefined;
  armRoute(scope, 'GET', path, type, async (request, reply) => {
    if (rendered && !isShapedAt(type.type, apiVersionOf(request))) {
      const key = resourceKey(fillScope(idTemplate, params(request)));
      const answer = await rendered.answer(
        key,
        () => read!(ref(request)),
        // As Fastify renders an object sent (JSON.stringify: no ARM route has a response schema).
        (resource) => reply.serialize(resource) as string,
      );
      return sendResource(reply.type(JSON_TYPE), 200, answer.text, answer.etag);
    }
    const { body, etag } = read ? storedResource(await read(ref(request))) : await get!(ref(request), request);
    return sendResource(reply, 200, await show(body, request), etag);
  });
  armRoute(scope, 'DELETE', path, type, async (request, reply) => {
    const deleted = await routes.delete(ref(request), request);
    if (typeof deleted === 'object') return sendAccepted(request, reply, 202, deleted);
    return reply.status(deleted ? 200 : 204).send();
  });
  for (const collection of type.collections) {
    armRoute(scope, 'GET', routePath(collection), type, async (request, reply) => {
      const page = await routes.list(refOf<ListRef>(request), request);
      // Only a type with a view, or an api-version with members left out, shows its members otherwise
      // than stored: the others' pages go as read.
      const shown =
        routes.view || isShapedAt(type.type, apiVersionOf(request))
          ? { ...page, value: await Promise.all(page.value.map((resource) => show(resource, request))) }
          : page;
      return sendPage(request, reply, shown);
    });
  }
}
