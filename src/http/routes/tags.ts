/**
 * Routes of Microsoft.Resources/tags at a scope (`{scope}/providers/Microsoft.Resources/tags/default`
 * below a subscription, a group, or a resource down to three levels, as a gallery image version) and
 * of a subscription's tag names and values. Tags at a scope are read with `Microsoft.Resources/tags/read`
 * and changed with `/write` or `/delete` there (Tag Contributor), or with the tagged resource's own read
 * or write: the handler checks, once it knows which resource the scope is.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAllowed } from '../../domain/authorization/check-access.ts';
import { authorizationFailed } from '../../domain/authorization/denials.ts';
import { requireSubscription } from '../../domain/shared/scope.ts';
import { TAG_NAME_TYPE, TAG_VALUE_TYPE, TAGS_TYPE } from '../../domain/tags/descriptor.ts';
import {
  createOrUpdateTagsAtScope,
  deleteTagsAtScope,
  getTagsAtScope,
  updateTagsAtScope,
} from '../../domain/tags/operations.ts';
import {
  createTagName,
  createTagValue,
  deleteTagName,
  deleteTagValue,
  listTagNames,
} from '../../domain/tags/tag-names.ts';
import { armRoute, jsonBody, params, routePath } from '../arm/arm-route.ts';
import { fillScope, routeAccess } from '../arm/route-action.ts';
import type { AppDeps } from '../deps.ts';

const SUBSCRIPTION = '/subscriptions/:subscription';
const GROUP = `${SUBSCRIPTION}/resourceGroups/:resourceGroup`;
const RESOURCE = `${GROUP}/providers/:namespace/:type1/:name1`;
const SCOPES = [SUBSCRIPTION, GROUP, RESOURCE, `${RESOURCE}/:type2/:name2`, `${RESOURCE}/:type2/:name2/:type3/:name3`];

/** The caller may `verb` the tags at `scope`: the tags action there, or the resource's own (a tag change is a write of it). */
function authorizeTags(request: FastifyRequest, scope: string, verb: 'read' | 'write' | 'delete'): void {
  const caller = request.callerAccess!;
  const action = `Microsoft.Resources/tags/${verb}`;
  const own = routeAccess(verb === 'read' ? 'GET' : 'PUT', scope).action;
  if (isAllowed(caller, action, scope) || isAllowed(caller, own, scope)) return;
  throw authorizationFailed(caller.principalId, action, scope);
}

export function registerTagRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  for (const template of SCOPES) {
    const url = routePath(TAGS_TYPE.path, template);
    /** The scope the request names, checked for `verb` (an unknown subscription is ARM's 404 for anyone). */
    const scopeOf = (request: FastifyRequest, verb: 'read' | 'write' | 'delete') => {
      const named = fillScope(template, params(request));
      requireSubscription(domain, params(request).subscription);
      authorizeTags(request, named, verb);
      return named;
    };
    armRoute(scope, 'GET', url, TAGS_TYPE, async (request) => getTagsAtScope(domain, scopeOf(request, 'read')));
    armRoute(scope, 'PUT', url, TAGS_TYPE, async (request) =>
      createOrUpdateTagsAtScope(domain, scopeOf(request, 'write'), jsonBody(request)),
    );
    armRoute(scope, 'PATCH', url, TAGS_TYPE, async (request) =>
      updateTagsAtScope(domain, scopeOf(request, 'write'), jsonBody(request)),
    );
    armRoute(scope, 'DELETE', url, TAGS_TYPE, async (request, reply) => {
      await deleteTagsAtScope(domain, scopeOf(request, 'delete'));
      return reply.status(200).send();
    });
  }

  const names = TAG_NAME_TYPE;
  const subscriptionOf = (request: FastifyRequest) => params(request).subscription;
  armRoute(scope, 'GET', routePath(names.collections[0]), names, async (request) => ({
    value: await listTagNames(domain, subscriptionOf(request)),
  }));
  armRoute(scope, 'PUT', routePath(names.path), names, async (request, reply) => {
    const { created, details } = await createTagName(domain, subscriptionOf(request), params(request).tagName);
    return reply.status(created ? 201 : 200).send(details);
  });
  armRoute(scope, 'DELETE', routePath(names.path), names, async (request, reply) =>
    reply.status((await deleteTagName(domain, subscriptionOf(request), params(request).tagName)) ? 200 : 204).send(),
  );
  const values = TAG_VALUE_TYPE;
  armRoute(scope, 'PUT', routePath(values.path), values, async (request, reply) => {
    const { tagName, tagValue } = params(request);
    const made = await createTagValue(domain, subscriptionOf(request), tagName, tagValue);
    return reply.status(made.created ? 201 : 200).send(made.tagValue);
  });
  armRoute(scope, 'DELETE', routePath(values.path), values, async (request, reply) => {
    const { tagName, tagValue } = params(request);
    return reply.status((await deleteTagValue(domain, subscriptionOf(request), tagName, tagValue)) ? 200 : 204).send();
  });
}
