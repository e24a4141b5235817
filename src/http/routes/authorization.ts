/**
 * Routes of Microsoft.Authorization: role definitions and role assignments under any scope
 * (`{scope}/providers/Microsoft.Authorization/...`), the scope being a subscription, a resource
 * group or a resource down to a gallery image version; role definitions also at the root; and the
 * caller's own permissions at each of those scopes but the root.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { listCallerPermissions } from '../../domain/authorization/caller-permissions.ts';
import { isAllowed } from '../../domain/authorization/check-access.ts';
import { PERMISSIONS_TYPE, ROLE_ASSIGNMENT_TYPE, ROLE_DEFINITION_TYPE } from '../../domain/authorization/descriptor.ts';
import {
  createRoleAssignment,
  deleteRoleAssignment,
  getRoleAssignment,
  listRoleAssignments,
} from '../../domain/authorization/role-assignments.ts';
import {
  createOrUpdateRoleDefinition,
  deleteRoleDefinition,
  getRoleDefinition,
  listRoleDefinitions,
  type RoleEditor,
} from '../../domain/authorization/role-definitions.ts';
import { parseScope, type Scope } from '../../domain/authorization/scope.ts';
import { armRoute, jsonBody, params, routePath } from '../arm/arm-route.ts';
import { fillScope } from '../arm/route-action.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
const RESOURCE = `${GROUP}/providers/:namespace/:type1/:name1`;

/** Scopes below the root, deepest first: a resource and its children down to three levels (gallery, definition, version). */
const SCOPES = [
  '/subscriptions/:subscriptionId',
  GROUP,
  RESOURCE,
  `${RESOURCE}/:type2/:name2`,
  `${RESOURCE}/:type2/:name2/:type3/:name3`,
];

const ASSIGNMENTS = ROLE_ASSIGNMENT_TYPE;
const DEFINITIONS = ROLE_DEFINITION_TYPE;

/** The scope in the request's path; the empty template is the root. */
function scopeOf(request: FastifyRequest, template: string): Scope {
  const path = fillScope(template, params(request)) || '/';
  const scope = parseScope(path);
  if (!scope) throw new ArmError(400, 'InvalidScope', `The scope '${path}' is not valid.`);
  return scope;
}

/** The caller as the author of a custom role, with the assignments the authorization step loaded. */
const editorOf = (request: FastifyRequest): RoleEditor => ({
  principalId: request.principal!.oid,
  may: (action, scope) => isAllowed(request.callerAccess!, action, scope),
});

const filterOf = (request: FastifyRequest) => (request.query as Record<string, string | undefined>).$filter;

export function registerAuthorizationRoutes(scope: FastifyInstance, { domain, callerAccess }: AppDeps): void {
  const refOf = (request: FastifyRequest, template: string) => ({
    scope: scopeOf(request, template),
    name: params(request).name,
  });
  for (const template of ['', ...SCOPES]) {
    armRoute(scope, 'GET', routePath(DEFINITIONS.collections[0], template), DEFINITIONS, async (request) => ({
      value: await listRoleDefinitions(domain, scopeOf(request, template), filterOf(request)),
    }));
    armRoute(scope, 'GET', routePath(DEFINITIONS.path, template), DEFINITIONS, async (request) =>
      getRoleDefinition(domain, refOf(request, template)),
    );
  }
  for (const template of SCOPES) {
    // Open to every signed-in caller (route-action.ts), so the authorization step loaded no access: read it here.
    armRoute(scope, 'GET', routePath(PERMISSIONS_TYPE.collections[0], template), PERMISSIONS_TYPE, async (request) => ({
      value: listCallerPermissions(domain, await callerAccess(request.principal!.oid), scopeOf(request, template)),
    }));

    const definition = routePath(DEFINITIONS.path, template);
    armRoute(scope, 'PUT', definition, DEFINITIONS, async (request, reply) => {
      const result = await createOrUpdateRoleDefinition(
        domain,
        refOf(request, template),
        jsonBody(request),
        editorOf(request),
      );
      return reply.status(result.status).send(result.definition);
    });
    armRoute(scope, 'DELETE', definition, DEFINITIONS, async (request, reply) => {
      const deleted = await deleteRoleDefinition(domain, refOf(request, template), editorOf(request));
      return deleted ? reply.status(200).send(deleted) : reply.status(204).send();
    });

    const assignment = routePath(ASSIGNMENTS.path, template);
    armRoute(scope, 'GET', routePath(ASSIGNMENTS.collections[0], template), ASSIGNMENTS, async (request) => ({
      value: await listRoleAssignments(domain, scopeOf(request, template), filterOf(request)),
    }));
    armRoute(scope, 'PUT', assignment, ASSIGNMENTS, async (request, reply) => {
      const result = await createRoleAssignment(
        domain,
        refOf(request, template),
        jsonBody(request),
        request.principal!.oid,
      );
      return reply.status(result.status).send(result.assignment);
    });
    armRoute(scope, 'GET', assignment, ASSIGNMENTS, async (request) =>
      getRoleAssignment(domain, refOf(request, template)),
    );
    armRoute(scope, 'DELETE', assignment, ASSIGNMENTS, async (request, reply) => {
      const deleted = await deleteRoleAssignment(domain, refOf(request, template));
      return deleted ? reply.status(200).send(deleted) : reply.status(204).send();
    });
  }
}
