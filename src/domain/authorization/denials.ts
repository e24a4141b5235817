/**
 * Azure RBAC's refusals in ARM's own words, which scripts and SDK users search for: the route's
 * action (AuthorizationFailed) and another resource the request names (LinkedAuthorizationFailed).
 */
import { ArmError } from '../../core/arm-error.ts';

export const authorizationFailed = (client: string, action: string, scope: string) =>
  new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${client}' with object id '${client}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );

/** `hint`, when given, follows ARM's sentence: what would grant the linked action. */
export const linkedAuthorizationFailed = (
  client: string,
  action: string,
  scope: string,
  linkedAction: string,
  linkedScopes: string[],
  hint?: string,
) =>
  new ArmError(
    403,
    'LinkedAuthorizationFailed',
    `The client '${client}' with object id '${client}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${linkedAction}' on the linked scope(s) '${linkedScopes.join(',')}' or the linked scope(s) are invalid.${hint ? ` ${hint}` : ''}`,
  );
