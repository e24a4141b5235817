/**
 * What every API call would otherwise compute again, kept per process for at most a second: a bearer
 * token's verdict (an RSA signature check, the claims, the principal still existing) and a caller's
 * access (its role assignments and their roles, loadCallerAccess). The hot path of a call then reads
 * nothing from the store for its authentication and authorization.
 *
 * Invariants (SECURITY.md, section 1, states them for operators):
 *  - Only verdicts that admit a token are kept, keyed by the token's exact text, and never up to its
 *    `exp`: a token is checked in full before anything is kept for it, a changed token is another
 *    key, and an expired token is refused as before (verification applies the clock skew then).
 *  - Nothing is kept longer than ACCESS_CACHE_TTL_MS from when it was read, so a change made through
 *    another process on the same store (a revoked assignment, a deleted principal, a narrowed custom
 *    role) holds everywhere within that time.
 *  - A batch that writes a role assignment, a role definition or a service principal through this
 *    process's store (watchAccessWrites) clears both caches before its caller hears it landed, so a
 *    change made here holds for the next call here, as it did without the caches.
 */
import { ExpiringCache } from '../../core/expiring-cache.ts';
import type { Clock } from '../../core/clock.ts';
import type { MetadataStore, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { servicePrincipalKey } from '../identity/service-principals.ts';
import type { TokenCheck, TokenVerifier } from '../identity/token-authority.ts';
import { loadCallerAccess, type CallerAccess } from './check-access.ts';
import { roleDefinitionKey } from './records.ts';

/** How long a kept verdict or caller's access may be served after it was read. */
export const ACCESS_CACHE_TTL_MS = 1_000;
/** Distinct tokens and callers kept at once; a second's worth of any real load. */
const MAX_ENTRIES = 10_000;

export interface AccessCache {
  /** `verifier`, its verdicts on valid tokens kept. */
  tokens(verifier: TokenVerifier): TokenVerifier;
  /** The caller's access as loadCallerAccess reads it, kept: at once when it is (the API's hot path). */
  callerAccess(ctx: DomainContext, principalId: string): CallerAccess | Promise<CallerAccess>;
  /** Forgets everything kept (watchAccessWrites calls it). */
  clear(): void;
}

export function createAccessCache(clock: Clock): AccessCache {
  const options = { clock, ttlMs: ACCESS_CACHE_TTL_MS, maxEntries: MAX_ENTRIES };
  const verdicts = new ExpiringCache<TokenCheck>(options);
  const callers = new ExpiringCache<CallerAccess>(options);
  // A refusal is not kept (its expiry is 0); an admitted token no later than its own exp.
  const until = (check: TokenCheck) => (check.ok ? check.claims.exp * 1000 : 0);
  return {
    tokens: (verifier) => ({
      verify: (token) => verdicts.get(token, async () => frozen(await verifier.verify(token)), until),
    }),
    callerAccess: (ctx, principalId) =>
      callers.get(principalId, () => loadCallerAccess(ctx, principalId).then(frozenAccess)),
    clear() {
      verdicts.clear();
      callers.clear();
    },
  };
}

// What is kept is shared by every request that hits it: none may change it for the others.
const frozen = (check: TokenCheck): TokenCheck =>
  check.ok ? { ok: true, claims: Object.freeze(check.claims) } : check;
const frozenAccess = (access: CallerAccess): CallerAccess => {
  access.grants.forEach((grant) => Object.freeze(grant));
  return Object.freeze({ ...access, grants: Object.freeze([...access.grants]) });
};

const ROLE_ASSIGNMENTS = '/providers/microsoft.authorization/roleassignments/';

/** Whether a write changes what a token's verdict or a caller's access is made of. */
export function touchesAccess(write: Write): boolean {
  const key = write.op === 'put' ? write.record.key : write.key;
  return (
    key.includes(ROLE_ASSIGNMENTS) || key.startsWith(roleDefinitionKey('')) || key.startsWith(servicePrincipalKey(''))
  );
}

/** `store`, clearing `cache` after every batch that touches access, whether it landed or failed (a lost reply may hide a commit). */
export function watchAccessWrites(store: MetadataStore, cache: Pick<AccessCache, 'clear'>): MetadataStore {
  return {
    get: (key) => store.get(key),
    etag: (key) => store.etag(key),
    list: (query) => store.list(query),
    claimDue: (claim) => store.claimDue(claim),
    watchDue: (listener) => store.watchDue(listener),
    close: () => store.close(),
    async apply(writes) {
      if (!writes.some(touchesAccess)) return store.apply(writes);
      try {
        return await store.apply(writes);
      } finally {
        cache.clear();
      }
    },
  };
}
