/**
 * Permissions - List For Resource Group / List For Resource (and at a subscription, as the Azure
 * portal asks): what the caller itself may do at a scope, as the permission blocks of each of its role
 * assignments that applies there, at the scope or inherited from above. Nothing of anyone else's
 * access is in it, so every signed-in caller may ask (http/arm/route-action.ts); it reads the
 * caller's assignments as the authorization step loaded them, so it says exactly what the checks
 * of the caller's next calls will allow.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { requireSubscription } from '../shared/scope.ts';
import type { CallerAccess } from './check-access.ts';
import type { Permission } from './permissions.ts';
import { scopeCovers, type Scope } from './scope.ts';

/**
 * One block per permission of every grant at or above `scope`, in Azure's shape. The scope need not
 * exist: the answer names only the caller's own assignments, and a 404 for a missing resource would
 * tell a caller without access what exists.
 */
export function listCallerPermissions(ctx: DomainContext, caller: CallerAccess, scope: Scope): Permission[] {
  if (!scope.subscription)
    throw new ArmError(
      400,
      'InvalidScope',
      `Permissions are listed at a subscription, resource group or resource, not at '${scope.path}'.`,
    );
  requireSubscription(ctx, scope.subscription);
  return caller.grants
    .filter((grant) => scopeCovers(grant.scope, scope.key))
    .flatMap((grant) =>
      grant.permissions.map(({ actions, notActions, dataActions, notDataActions }) => ({
        actions,
        notActions,
        dataActions,
        notDataActions,
      })),
    );
}
