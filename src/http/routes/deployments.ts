/**
 * Routes of Microsoft.Resources/deployments at a resource group and at a subscription: PUT (runs as
 * the caller's principal), GET (and HEAD, as every GET of one resource), DELETE, the list, and the POST actions validate, whatIf, cancel
 * and exportTemplate, plus the deployment's operations.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { DEPLOYMENT_OPERATION_TYPE, DEPLOYMENT_SCOPES, DEPLOYMENT_TYPE } from '../../domain/deployments/descriptor.ts';
import type { DeploymentRef } from '../../domain/deployments/deployment.ts';
import { getDeploymentOperation, listDeploymentOperations } from '../../domain/deployments/deployment-operations.ts';
import {
  cancelDeployment,
  createOrUpdateDeployment,
  deleteDeployment,
  exportDeploymentTemplate,
  getDeployment,
  listDeployments,
} from '../../domain/deployments/operations.ts';
import { validateDeployment } from '../../domain/deployments/preflight.ts';
import { whatIfDeployment } from '../../domain/deployments/what-if.ts';
import { armRoute, jsonBody, params, routePath } from '../arm/arm-route.ts';
import { pageRequest, sendLongRunning, sendPage, sendResource } from '../arm/reply.ts';
import type { AppDeps } from '../deps.ts';

export function registerDeploymentRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  for (const where of DEPLOYMENT_SCOPES) {
    const one = routePath(DEPLOYMENT_TYPE.path, where);
    const ref = (request: FastifyRequest) => params(request) as unknown as DeploymentRef;
    const route = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, handler: Parameters<typeof armRoute>[4]) =>
      armRoute(scope, method, url, DEPLOYMENT_TYPE, handler);

    route('PUT', one, async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new ArmError(401, 'AuthenticationFailed', 'A deployment needs a signed-in principal.');
      const result = await createOrUpdateDeployment(domain, ref(request), jsonBody(request), {
        appId: principal.appid,
        objectId: principal.oid,
      });
      return sendLongRunning(
        request,
        reply,
        deps,
        { status: 201, operation: result.operation, body: result.deployment, etag: result.etag },
        201,
      );
    });
    route('GET', one, async (request, reply) => {
      const record = await getDeployment(domain, ref(request));
      return sendResource(reply, 200, record.data.resource, record.etag);
    });
    route('DELETE', one, async (request, reply) => {
      await deleteDeployment(domain, ref(request));
      return reply.status(204).send();
    });
    route('GET', routePath(DEPLOYMENT_TYPE.collections[0], where), async (request, reply) =>
      sendPage(request, reply, await listDeployments(domain, ref(request), pageRequest(request))),
    );
    route('POST', `${one}/cancel`, async (request, reply) => {
      await cancelDeployment(domain, ref(request));
      return reply.status(204).send();
    });
    route('POST', `${one}/validate`, async (request) => validateDeployment(domain, ref(request), jsonBody(request)));
    route('POST', `${one}/whatIf`, async (request) => whatIfDeployment(domain, ref(request), jsonBody(request)));
    route('POST', `${one}/exportTemplate`, async (request) => exportDeploymentTemplate(domain, ref(request)));

    const operationRef = (request: FastifyRequest) => {
      const { deployment, ...rest } = params(request);
      return { ...(rest as unknown as DeploymentRef), name: deployment };
    };
    // The SDKs and az reach a group deployment's operations without `providers/Microsoft.Resources`.
    const legacy = (path: string) => path.replace('/providers/Microsoft.Resources/deployments/', '/deployments/');
    const paths = (path: string) => (where.includes('resourcegroups') ? [path, legacy(path)] : [path]);
    for (const list of paths(routePath(DEPLOYMENT_OPERATION_TYPE.collections[0], where))) {
      armRoute(scope, 'GET', list, DEPLOYMENT_OPERATION_TYPE, async (request) => ({
        value: await listDeploymentOperations(domain, operationRef(request)),
      }));
    }
    for (const one of paths(routePath(DEPLOYMENT_OPERATION_TYPE.path, where))) {
      armRoute(scope, 'GET', one, DEPLOYMENT_OPERATION_TYPE, async (request) =>
        getDeploymentOperation(domain, operationRef(request), params(request).name),
      );
    }
  }
}
