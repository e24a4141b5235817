import type { CallerAccess } from '../domain/authorization/check-access.ts';
import type { DomainContext } from '../domain/context.ts';
import type { TokenVerifier } from '../domain/identity/token-authority.ts';
import type { TokenAuthority } from '../domain/identity/local-token-authority.ts';

/** Everything the HTTP layer needs, handed in by the composition root (src/app). */
export interface AppDeps {
  domain: DomainContext;
  /** Checks bearer tokens on ARM and blob calls. */
  tokens: TokenVerifier;
  /** What a caller's role assignments allow, for the ARM pipeline's RBAC checks (domain/authorization/access-cache.ts). */
  callerAccess(principalId: string): CallerAccess | Promise<CallerAccess>;
  /** Token audiences that open the management API (the ARM resource ids and Kiln's own URL). */
  armAudiences: readonly string[];
  /** Issues tokens at the OAuth2 endpoints. */
  authority: TokenAuthority;
  /** Signs and checks blob SAS URLs. */
  sasSecret: Buffer;
  /**
   * How long a request waits for its long-running operation before answering 201/202: quick work
   * (a copy within a region) then answers with the final resource and clients need not poll.
   */
  lroWaitMs: number;
}
