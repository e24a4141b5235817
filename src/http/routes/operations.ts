/**
 * Polling endpoints of long-running operations (`Azure-AsyncOperation` and `Location`): readable by
 * whoever may read the resource the operation acts on (authorizePoll), as in ARM.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { failureStatus, getOperation } from '../../domain/operations/get-operation.ts';
import type { OperationData } from '../../domain/operations/operation.ts';
import {
  COMPUTE_OPERATION_TYPE,
  IMAGE_BUILDER_OPERATION_TYPE,
  RESOURCES_OPERATION_TYPE,
} from '../../domain/operations/descriptor.ts';
import { RESOURCE_GROUP_TYPE } from '../../domain/resource-groups/descriptor.ts';
import { armRoute, params } from '../arm/arm-route.ts';
import { authorizePoll } from '../arm/authorize.ts';
import type { AppDeps } from '../deps.ts';
import type { DomainContext } from '../../domain/context.ts';
import { getResource } from '../../domain/shared/arm-resource.ts';
import { sendResource } from '../arm/reply.ts';
import { showById } from '../arm/resource-routes.ts';

/** The status monitors polled under `/providers/{namespace}/locations/{location}/...`. */
const OPERATION_TYPES = [COMPUTE_OPERATION_TYPE, IMAGE_BUILDER_OPERATION_TYPE, RESOURCES_OPERATION_TYPE];

export function registerOperationRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  for (const type of OPERATION_TYPES) {
    const namespace = type.type.split('/')[0];
    const base = `/subscriptions/:subscriptionId/providers/${namespace}/locations/:location`;
    armRoute(scope, 'GET', `${base}/operations/:operationName`, type, async (request, reply) => {
      const operation = await pollOperation(domain, request);
      // Without Retry-After, clients poll at their own pace: the Azure CLI waits 30 s between polls.
      if (operation.status === 'InProgress') reply.header('Retry-After', '1');
      return statusBody(operation);
    });
    armRoute(scope, 'GET', `${base}/operationResults/:operationName`, type, async (request, reply) =>
      sendResult(deps, request, reply, await pollOperation(domain, request)),
    );
  }
  // A resource group delete is polled here, with the api-version of the delete.
  armRoute(
    scope,
    'GET',
    '/subscriptions/:subscriptionId/operationresults/:operationName',
    RESOURCE_GROUP_TYPE,
    // Done, it answers 200 as ARM does: the group delete's specification lists 200 and 202 only, and
    // @azure/arm-resources 8 holds the poll's answers to them.
    async (request, reply) => sendResult(deps, request, reply, await pollOperation(domain, request), 200),
  );
}

/** The operation the URL names, once the caller may see it. */
async function pollOperation(domain: DomainContext, request: FastifyRequest): Promise<OperationData> {
  const { subscriptionId, operationName } = params(request);
  const operation = await getOperation(domain, { subscription: subscriptionId, name: operationName });
  authorizePoll(request, operation);
  return operation;
}

function statusBody(operation: OperationData) {
  const body: Record<string, unknown> = {
    name: operation.name,
    status: operation.status,
    startTime: operation.startTime,
  };
  if (operation.endTime) body.endTime = operation.endTime;
  if (operation.error) body.error = operation.error;
  if (operation.output !== undefined) body.properties = { output: operation.output };
  return body;
}

/**
 * 202 while running; then the output (200), the resource the operation made (200, as the disk RP's
 * `final-state-via: location` expects), nothing (`doneEmpty`: 204, e.g. after a delete), or the failure.
 */
async function sendResult(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: OperationData,
  /** What a finished operation that left nothing answers. */
  doneEmpty: 200 | 204 = 204,
) {
  if (operation.status === 'InProgress') {
    return reply
      .status(202)
      .headers({ Location: `${request.protocol}://${request.host}${request.url}`, 'Retry-After': '1' })
      .send();
  }
  if (operation.status === 'Succeeded') {
    if (operation.output !== undefined) return reply.status(200).send(operation.output);
    const made = await getResource(deps.domain, operation.resourceId);
    if (!made) return reply.status(doneEmpty).send();
    // As the type's own answers show it (a version's regions by display name), in the shape of the
    // api-version the operation is polled with (the request's that started it).
    return sendResource(reply, 200, await showById(deps, operation.resourceId, made.data.resource, request), made.etag);
  }
  return reply
    .status(failureStatus(operation))
    .send({ error: operation.error ?? { code: 'OperationCanceled', message: 'The operation was canceled.' } });
}
