/**
 * Third step of every ARM call: Azure RBAC. The caller's role assignments are loaded once; the
 * route's action (route-action.ts) must be granted at the route's scope or above. Lists the caller
 * can read only part of show that part, as ARM does; a PUT that names other resources (a source
 * image, version or disk; a custom role's assignable scopes) needs access to those too. Denials use
 * ARM's words, which scripts and SDK users search for.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { hasAssignmentAround, isAllowed, isAllowedBelow, loadCallerAccess, type CallerAccess } from '../../domain/authorization/check-access.ts';
import { parseScope } from '../../domain/authorization/scope.ts';
import type { DomainContext } from '../../domain/context.ts';
import { requireSubscription } from '../../domain/shared/scope.ts';
import { jsonBody } from './arm-route.ts';
import { linkedAccess } from './linked-access.ts';
import { fillScope, type RouteAccess } from './route-action.ts';

const authorizationFailed = (client: string, action: string, scope: string) =>
  new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${client}' with object id '${client}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );

const linkedAuthorizationFailed = (client: string, action: string, scope: string, linkedAction: string, linkedScopes: string[]) =>
  new ArmError(
    403,
    'LinkedAuthorizationFailed',
    `The client '${client}' with object id '${client}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${linkedAction}' on the linked scope(s) '${linkedScopes.join(',')}' or the linked scope(s) are invalid.`,
  );

function allowedAt(caller: CallerAccess, access: RouteAccess, scope: string): boolean {
  return isAllowed(caller, access.action, scope) || (access.check === 'member' && hasAssignmentAround(caller, scope));
}

const scopeOf = (request: FastifyRequest, access: RouteAccess) => fillScope(access.scope, request.params as Record<string, string>);

/** onRequest, after authentication: the route's own action. */
export function authorize(domain: DomainContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const access = request.routeOptions.config.arm?.access;
    const principal = request.principal;
    if (!access || !principal || access.check === 'none') return;
    const caller = await loadCallerAccess(domain, principal.oid);
    request.callerAccess = caller;
    const scope = scopeOf(request, access);
    // A tenant-level list (subscriptions) always shows just what the caller has access to.
    if (scope !== '/' && allowedAt(caller, access, scope)) return;
    if (access.list && (scope === '/' || isAllowedBelow(caller, access.action, scope))) {
      request.visibleToCaller = (id) => allowedAt(caller, access, id);
      return;
    }
    // ARM answers SubscriptionNotFound for a subscription it does not have, whoever asks.
    const subscription = parseScope(scope)?.subscription;
    if (subscription) requireSubscription(domain, subscription);
    throw authorizationFailed(principal.oid, access.action, scope);
  };
}

/** preHandler (the body is parsed by then): the resources a PUT names besides its own. */
export async function authorizeLinked(request: FastifyRequest): Promise<void> {
  const arm = request.routeOptions.config.arm;
  const caller = request.callerAccess;
  if (!arm || !caller || request.method !== 'PUT') return;
  const denied = linkedAccess(arm.resourceType, jsonBody(request)).filter((linked) => !isAllowed(caller, linked.action, linked.scope));
  if (denied.length === 0) return;
  const [{ action }] = denied;
  const scopes = denied.filter((d) => d.action === action).map((d) => d.scope);
  throw linkedAuthorizationFailed(caller.principalId, arm.access.action, scopeOf(request, arm.access), action, scopes);
}

/** preSerialization: a partly readable list keeps the members the caller may read. */
export async function filterListed(request: FastifyRequest, _reply: FastifyReply, payload: unknown): Promise<unknown> {
  const visible = request.visibleToCaller;
  const value = (payload as { value?: unknown } | null)?.value;
  if (!visible || !Array.isArray(value)) return payload;
  return { ...(payload as object), value: value.filter((item) => typeof item?.id === 'string' && visible(item.id)) };
}
