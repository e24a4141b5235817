import type { DomainContext } from '../domain/context.ts';
import type { TokenVerifier } from '../domain/identity/token-authority.ts';
import type { TokenAuthority } from '../domain/identity/local-token-authority.ts';

/** Everything the HTTP layer needs, handed in by the composition root (src/app). */
export interface AppDeps {
  domain: DomainContext;
  /** Checks bearer tokens on ARM and blob calls. */
  tokens: TokenVerifier;
  /** Issues tokens at the OAuth2 endpoints. */
  authority: TokenAuthority;
  /** Signs and checks blob SAS URLs. */
  sasSecret: Buffer;
}
