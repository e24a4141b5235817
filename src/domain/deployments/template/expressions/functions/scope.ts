/**
 * Scope functions: resourceGroup, subscription, tenant, managementGroup, the objects of the deployment's
 * scope as the engine supplies them (the engine refuses the ones its scope does not have).
 */
import { ExpressionFailure } from '../errors.ts';
import { define, type TemplateFunction } from './types.ts';

export const scopeFunctions: TemplateFunction[] = [
  define('resourceGroup', 0, 0, (_args, context) => context.scope.resourceGroup()),
  define('subscription', 0, 0, (_args, context) => context.scope.subscription()),
  define('tenant', 0, 0, (_args, context) => context.scope.tenant()),
  define('managementGroup', 0, 0, (_args, context) => {
    if (!context.scope.managementGroup || (context.scope.deploymentScope ?? 'resourceGroup') !== 'managementGroup')
      throw new ExpressionFailure(
        "The template function 'managementGroup' is not expected at this location: it can only be used in a deployment to a management group.",
      );
    return context.scope.managementGroup();
  }),
];
