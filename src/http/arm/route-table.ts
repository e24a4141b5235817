/**
 * The RBAC actions of the ARM routes a scope serves, recorded as Fastify registers them (`onRoute`,
 * installed before any route): what every namespace's operations list is made of, so the list cannot
 * name an operation Kiln lacks nor miss one it has.
 */
import type { FastifyInstance } from 'fastify';

export interface ServedActions {
  /**
   * The actions of `namespace`: those it names, and those whose namespace is a route parameter (a
   * provider's `:namespace/register/action`) with it filled in. An action still naming a parameter
   * after that names no one operation and is left out.
   */
  of(namespace: string): string[];
}

export function recordServedActions(scope: FastifyInstance): ServedActions {
  const actions = new Set<string>();
  scope.addHook('onRoute', (route) => {
    const arm = route.config?.arm;
    if (arm) actions.add(arm.access.action);
  });
  return {
    of: (namespace) =>
      [...actions]
        .map((action) => (action.startsWith(':') ? `${namespace}${action.slice(action.indexOf('/'))}` : action))
        .filter((action) => !action.includes(':')),
  };
}
