/** Per-route facts the ARM pipeline reads before the handler runs. */
import type { ResourceTypeDescriptor } from '../../domain/shared/resource-type.ts';
import type { RouteAccess } from './route-action.ts';

export interface ArmRouteConfig {
  /** The resource type the route serves: its api-versions, the references its bodies may hold. */
  type: ResourceTypeDescriptor;
  /** The RBAC action of the route and the scope it is checked at. */
  access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    arm?: ArmRouteConfig;
  }
  interface FastifyRequest {
    principal?: import('../../domain/identity/token-authority.ts').AccessTokenClaims;
    /** The caller's role assignments, loaded once by the authorization step. */
    callerAccess?: import('../../domain/authorization/check-access.ts').CallerAccess;
    /** On a list the caller may only partly read: which members (by id) it may see. */
    visibleToCaller?: (id: string) => boolean;
  }
}
