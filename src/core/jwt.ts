/**
 * Minimal RS256 JSON Web Tokens (RFC 7519 / 7515) on node:crypto. Only RS256 is accepted on
 * verification, whatever the header says, so `alg: none` and HMAC-with-public-key tricks fail.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

export interface VerifyOptions {
  /** Current time; defaults to the system clock. */
  now?: Date;
  /** Tolerance for exp/nbf, in seconds: clocks of issuer and resource drift apart. */
  clockSkewSeconds?: number;
}

export interface Jwk {
  kty: 'RSA';
  use: 'sig';
  alg: 'RS256';
  kid: string;
  n: string;
  e: string;
}

const DEFAULT_SKEW_SECONDS = 300;

const encodeSegment = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function signJwt(claims: JwtClaims, privateKey: KeyObject, kid: string): string {
  const signingInput = `${encodeSegment({ typ: 'JWT', alg: 'RS256', kid })}.${encodeSegment(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string): unknown {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a token signed with a key not among those given is refused: a verifier may look for new keys then. */
export const UNKNOWN_KEY = 'token signed with an unknown key';

export function verifyJwt(
  token: string,
  publicKeysByKid: ReadonlyMap<string, KeyObject>,
  options: VerifyOptions = {},
): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'token is not a compact JWS' };
  const [headerPart, claimsPart, signaturePart] = parts;

  const header = decodeSegment(headerPart);
  if (!isObject(header)) return { ok: false, reason: 'token header is not valid JSON' };
  if (header.alg !== 'RS256') return { ok: false, reason: `unsupported algorithm ${String(header.alg)}` };
  const key = typeof header.kid === 'string' ? publicKeysByKid.get(header.kid) : undefined;
  if (key === undefined) return { ok: false, reason: UNKNOWN_KEY };

  if (!BASE64URL.test(signaturePart)) return { ok: false, reason: 'token signature is malformed' };
  const signed = verify(
    'sha256',
    Buffer.from(`${headerPart}.${claimsPart}`, 'ascii'),
    key,
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) return { ok: false, reason: 'token signature is invalid' };

  const claims = decodeSegment(claimsPart);
  if (!isObject(claims)) return { ok: false, reason: 'token claims are not valid JSON' };

  const now = (options.now ?? new Date()).getTime() / 1000;
  const skew = options.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'token has no expiry' };
  if (claims.exp + skew <= now) return { ok: false, reason: 'token has expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) {
    return { ok: false, reason: 'token is not yet valid' };
  }
  return { ok: true, claims };
}

/** The public half of an RSA key (given either half) as a JWK, as published by a jwks_uri. */
export function publicKeyToJwk(key: KeyObject, kid: string): Jwk {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new Error('token signing key is not an RSA key');
  }
  return { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: jwk.n, e: jwk.e };
}
