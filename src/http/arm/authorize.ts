/**
 * Third step of every ARM call: Azure RBAC. The caller's role assignments are loaded once; the
 * route's action (route-action.ts) must be granted at the route's scope or above. Lists the caller
 * can read only part of show that part, as ARM does; a body that names other resources (a source
 * image, version or disk; a Kiln blob URL; an identity) needs access to those too; an operation is
 * polled by who may read what it acts on. Denials use ARM's words (domain/authorization/denials.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  hasAssignmentAround,
  isAllowed,
  isAllowedBelow,
  type CallerAccess,
} from '../../domain/authorization/check-access.ts';
import { authorizationFailed, linkedAuthorizationFailed } from '../../domain/authorization/denials.ts';
import { isOperator, operatorRequired } from '../../domain/authorization/operator-access.ts';
import { parseScope } from '../../domain/authorization/scope.ts';
import type { OperationData } from '../../domain/operations/operation.ts';
import {
  ASSIGN_IDENTITY_ACTION,
  refuseRestrictedAssignments,
} from '../../domain/managed-identities/assignment-restrictions.ts';
import { requireSubscription } from '../../domain/shared/scope.ts';
import { BLOB_DATA_ACTIONS } from '../../domain/storage/blob-scope.ts';
import { blobContainerScope, mayReadLinkedBlob } from '../../domain/storage/linked-blob-read.ts';
import type { AppDeps } from '../deps.ts';
import { jsonBody } from './arm-route.ts';
import type { ArmRouteConfig } from './route-config.ts';
import { linkedAccess, linkedBlobs } from './linked-access.ts';
import { whenReady, type PipelineStep } from './pipeline-step.ts';
import { fillScope, routeAccess, type RouteAccess } from './route-action.ts';

function allowedAt(caller: CallerAccess, access: RouteAccess, scope: string): boolean {
  return isAllowed(caller, access.action, scope) || (access.check === 'member' && hasAssignmentAround(caller, scope));
}

const scopeOf = (request: FastifyRequest, access: RouteAccess) =>
  fillScope(access.scope, request.params as Record<string, string>);

/** The route's access, its action naming the request's parameters (a provider's `{namespace}/register/action`). */
function accessOf(request: FastifyRequest, { access }: ArmRouteConfig): RouteAccess {
  // Most actions name no parameter (route-action.ts writes one as `:name`): those are the route's own.
  if (!access.action.includes(':')) return access;
  return { ...access, action: fillScope(access.action, request.params as Record<string, string>) };
}

/** onRequest, after authentication: the route's own action. */
export function authorize({ domain, callerAccess }: Pick<AppDeps, 'domain' | 'callerAccess'>): PipelineStep {
  const decide = (request: FastifyRequest, access: RouteAccess, caller: CallerAccess) => {
    request.callerAccess = caller;
    if (access.check === 'handler') return;
    if (access.check === 'operator') {
      if (isOperator(domain, caller, access.action)) return;
      throw operatorRequired(domain, caller.principalId, access.action);
    }
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
    throw authorizationFailed(caller.principalId, access.action, scope);
  };
  return (request, arm) => {
    const access = accessOf(request, arm);
    const principal = request.principal;
    if (!principal || access.check === 'none') return;
    // A caller's access the access cache holds comes at once (domain/authorization/access-cache.ts).
    return whenReady(callerAccess(principal.oid), (caller) => decide(request, access, caller));
  };
}

/** preHandler (the body is parsed by then): the resources and blobs a request body names besides its own. */
export function authorizeLinked({ domain, sasSecret }: Pick<AppDeps, 'domain' | 'sasSecret'>): PipelineStep {
  // Only a request with a body has anything to check (a GET passes at once).
  const check = async (request: FastifyRequest, arm: ArmRouteConfig, caller: CallerAccess): Promise<void> => {
    const body = jsonBody(request);
    const refuse = (linkedAction: string, scopes: string[], hint?: string) =>
      linkedAuthorizationFailed(
        caller.principalId,
        arm.access.action,
        scopeOf(request, arm.access),
        linkedAction,
        scopes,
        hint,
      );

    const linked = linkedAccess(arm.type, body);
    const denied = linked.filter((l) => !isAllowed(caller, l.action, l.scope));
    if (denied.length > 0) {
      const [{ action }] = denied;
      throw refuse(
        action,
        denied.filter((d) => d.action === action).map((d) => d.scope),
      );
    }
    // An identity the caller may assign must also let itself be assigned to this type.
    await refuseRestrictedAssignments(
      domain,
      linked
        .filter((l) => l.action === ASSIGN_IDENTITY_ACTION)
        .map((l) => ({ id: l.scope, field: l.field, assignedTo: l.assignedTo ?? arm.type.type })),
    );
    const blobs = linkedBlobs(arm.type, body).filter((blob) => domain.regions.get(blob.region) !== undefined);
    const readable = await Promise.all(blobs.map((blob) => mayReadLinkedBlob(domain, caller, sasSecret, blob)));
    const unreadable = blobs.filter((_, i) => !readable[i]);
    if (unreadable.length > 0) {
      const hint = `Naming a Kiln blob takes read access to it: a Storage Blob Data role at '${blobContainerScope(domain, unreadable[0])}' or above, or a read SAS in the URL.`;
      throw refuse(
        BLOB_DATA_ACTIONS.read,
        unreadable.map((b) => b.url),
        hint,
      );
    }
  };
  return (request, arm) => {
    const caller = request.callerAccess;
    if (!caller || request.body === undefined) return;
    return check(request, arm, caller);
  };
}

/**
 * In an operation's polling routes (check 'handler'), once its record is read: who may read the
 * resource the operation acts on may poll it, as in ARM, and so may the principal that started it,
 * whose access the work itself may end (a group delete deletes the role assignments in the group).
 */
export function authorizePoll(request: FastifyRequest, operation: OperationData): void {
  const caller = request.callerAccess!;
  if (operation.startedBy === caller.principalId) return;
  const { action, scope } = routeAccess('GET', operation.resourceId);
  if (!isAllowed(caller, action, scope)) throw authorizationFailed(caller.principalId, action, scope);
}

/**
 * preSerialization: a partly readable list keeps the members the caller may read. A hook with `done`,
 * not async: Fastify then writes the response in the turn the handler sent it.
 */
export function filterListed(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  const visible = request.visibleToCaller;
  const value = (payload as { value?: unknown } | null)?.value;
  if (!visible || !Array.isArray(value)) return done(null, payload);
  done(null, {
    ...(payload as object),
    value: value.filter((item) => typeof item?.id === 'string' && visible(item.id)),
  });
}
