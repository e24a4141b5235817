/**
 * Contract of Kiln's token authority, used by the HTTP auth step. The implementation (signing key,
 * JWT issue and verification, service principals) lives beside this file.
 */

export interface AccessTokenClaims {
  /** Tenant id. */
  tid: string;
  /** Object id of the principal. */
  oid: string;
  /** Application (client) id of the service principal. */
  appid: string;
  /** Audience the token was issued for. */
  aud: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

export interface TokenVerifier {
  /** The verdict, at once when it is already known (a cached one, domain/authorization/access-cache.ts). */
  verify(bearerToken: string): TokenCheck | Promise<TokenCheck>;
}
