/**
 * Deployment value functions: deployment, deployer, environment, parameters, variables. Values come
 * from the engine through the scope; `parameters()` inside a user-defined function reads that
 * function's own parameters.
 */
import { ExpressionFailure } from '../errors.ts';
import { stringArg } from './args.ts';
import { define, type TemplateFunction } from './types.ts';

export const deploymentFunctions: TemplateFunction[] = [
  define('deployment', 0, 0, (_args, context) => context.scope.deployment()),
  define('deployer', 0, 0, (_args, context) => {
    if (!context.scope.deployer)
      throw new ExpressionFailure("The template function 'deployer' is not available in this deployment.");
    return context.scope.deployer();
  }),
  define('environment', 0, 0, (_args, context) => context.scope.environment()),
  define('parameters', 1, 1, (args, context) => context.parameter(stringArg(context, args, 0))),
  define('variables', 1, 1, (args, context) => context.scope.variable(stringArg(context, args, 0))),
];
