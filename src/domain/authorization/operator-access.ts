/**
 * Who operates the install: what every subscription shares (the platform-image catalog, which Azure
 * Stack Hub's operators manage through its admin namespaces, `Microsoft.Compute.Admin`) may be changed
 * only by a principal that already controls every subscription. It must hold the route's action and
 * the right to assign roles (which lets it take any other action) at the root of each configured
 * subscription: Owner there, as the administrator `kiln serve` makes is. Contributor, which assigns no
 * roles, is not an operator; so no principal gains through the shared catalog a reach into a
 * subscription it does not already have.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { SettingsContext } from '../context.ts';
import { isAllowed, type CallerAccess } from './check-access.ts';

const ASSIGN_ROLES = 'Microsoft.Authorization/roleAssignments/write';

const roots = (ctx: SettingsContext) => ctx.settings.subscriptions.map(({ id }) => `/subscriptions/${id}`);

export function isOperator(ctx: SettingsContext, caller: CallerAccess, action: string): boolean {
  return roots(ctx).every((root) => isAllowed(caller, action, root) && isAllowed(caller, ASSIGN_ROLES, root));
}

/** ARM's AuthorizationFailed, over every subscription's root, saying what an operator holds. */
export const operatorRequired = (ctx: SettingsContext, client: string, action: string) =>
  new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${client}' with object id '${client}' does not have authorization to perform action '${action}' over scope '${roots(ctx).join(',')}' or the scope is invalid. ${action.split('/')[0]} changes what every subscription of this Kiln shares, so it takes '${action}' and '${ASSIGN_ROLES}' at the root of every subscription (Owner there, as the administrator 'kiln serve' made is).`,
  );
