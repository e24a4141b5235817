/** How ARM answers: resources with ETag, pages with nextLink, accepted operations with polling headers. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Conditions } from '../../domain/shared/conditions.ts';
import { getOperation } from '../../domain/operations/get-operation.ts';
import type { OperationData } from '../../domain/operations/operation.ts';
import { getResource } from '../../domain/shared/arm-resource.ts';
import type { AppDeps } from '../deps.ts';
import type { Page, PageRequest } from '../../domain/shared/paging.ts';
import { apiVersionOf, withQuery } from './urls.ts';

export function sendResource(reply: FastifyReply, status: number, body: unknown, etag?: string) {
  if (etag) reply.header('ETag', `"${etag}"`);
  return reply.status(status).send(body);
}

export function pageRequest(request: FastifyRequest): PageRequest {
  const query = request.query as Record<string, string | undefined>;
  const top = query.$top === undefined ? undefined : Number(query.$top);
  return {
    skipToken: query.$skipToken ?? query.$skiptoken,
    top: Number.isSafeInteger(top) && top! > 0 ? top : undefined,
  };
}

export function sendPage<T>(request: FastifyRequest, reply: FastifyReply, page: Page<T>) {
  const body: { value: T[]; nextLink?: string } = { value: page.value };
  if (page.skipToken) {
    const query = Object.fromEntries(
      Object.entries(request.query as Record<string, string>).filter(([k]) => k.toLowerCase() !== '$skiptoken'),
    );
    body.nextLink = withQuery(request, request.url.split('?')[0], { ...query, $skiptoken: page.skipToken });
  }
  return reply.status(200).send(body);
}

export function conditionsOf(request: FastifyRequest): Conditions {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { ifMatch: header('if-match'), ifNoneMatch: header('if-none-match') };
}

/** Where a client polls an operation: the status resource and the result resource. */
export function operationUrls(request: FastifyRequest, operation: OperationData) {
  const base = `/subscriptions/${operation.subscription}/providers/${operation.namespace}/locations/${operation.location}`;
  const query = { 'api-version': apiVersionOf(request) };
  return {
    status: withQuery(request, `${base}/operations/${operation.name}`, query),
    result: withQuery(request, `${base}/operationResults/${operation.name}`, query),
  };
}

/** 200/201/202 for work that goes on after the response: poll `Azure-AsyncOperation` or `Location`. */
export function sendAccepted(...answer: Parameters<typeof sendPolled>) {
  const [request, reply, , operation] = answer;
  reply.header('Location', operationUrls(request, operation).result);
  return sendPolled(...answer);
}

/**
 * 200/201/202 polled by `Azure-AsyncOperation` alone, with `Retry-After`: the headers ARM's
 * ArmResourceCreatedResponse lists for a create that Azure always finishes after answering (201). The
 * client polls the operation, then GETs the resource.
 */
export function sendPolled(
  request: FastifyRequest,
  reply: FastifyReply,
  status: 200 | 201 | 202,
  operation: OperationData,
  body?: unknown,
  etag?: string,
) {
  reply.headers({ 'Azure-AsyncOperation': operationUrls(request, operation).status, 'Retry-After': '1' });
  return sendResource(reply, status, body ?? '', etag);
}

/**
 * Answers a long-running operation: with the final resource when it finishes within the wait
 * (`doneStatus`, or 204 when the resource is gone, as after a delete), shown by `view` as the
 * type's own answers show it, else 201/202 to poll.
 */
export async function sendLongRunning(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AppDeps,
  accepted: { status: 200 | 201 | 202; operation: OperationData; body?: unknown; etag?: string },
  doneStatus: 200 | 201,
  view: (resource: unknown) => unknown = (resource) => resource,
) {
  const { domain, lroWaitMs } = deps;
  const deadline = Date.now() + lroWaitMs;
  while (Date.now() < deadline) {
    const current = await getOperation(domain, accepted.operation);
    if (current.status === 'Succeeded') {
      const made = await getResource(domain, current.resourceId);
      return made
        ? sendResource(reply, doneStatus, await view(made.data.resource), made.etag)
        : reply.status(doneStatus === 201 ? 200 : doneStatus).send();
    }
    if (current.status !== 'InProgress') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return sendAccepted(request, reply, accepted.status, accepted.operation, accepted.body, accepted.etag);
}
