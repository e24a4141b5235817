/** Per-route facts the ARM pipeline reads before the handler runs. */
export interface ArmRouteConfig {
  /** Lower-cased resource type whose api-versions the route accepts. */
  resourceType: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    arm?: ArmRouteConfig;
  }
  interface FastifyRequest {
    principal?: import('../../domain/identity/token-authority.ts').AccessTokenClaims;
  }
}
