/**
 * Kiln as its own Azure AD: issues client-credentials access tokens shaped like AAD's v1 tokens
 * (the version ARM and Storage accept) and verifies them for the API. Failures carry AAD's
 * OAuth error codes and AADSTS numbers, because SDKs and the CLI match on them.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { publicKeyToJwk, signJwt, UNKNOWN_KEY, verifyJwt, type Jwk } from '../../core/jwt.ts';
import type { MetadataStore } from '../../ports/metadata-store.ts';
import { CLOCK_SKEW_SECONDS, type SigningKeyRing } from './signing-key-ring.ts';
import { findServicePrincipal, verifyClientSecret, type ServicePrincipal } from './service-principals.ts';
import type { AccessTokenClaims, TokenCheck, TokenVerifier } from './token-authority.ts';

/** The resources whose tokens the Azure SDKs and CLI request from a stock cloud configuration. */
export const STANDARD_AUDIENCES: readonly string[] = [
  'https://management.azure.com/',
  'https://management.core.windows.net/',
  'https://storage.azure.com/',
];

export interface TokenAuthorityOptions {
  store: MetadataStore;
  /** Shared by every process on the store: new tokens are signed with its current key. */
  keys: SigningKeyRing;
  tenantId: string;
  /** Kiln's canonical base URL; tokens carry `iss` = `{issuerUrl}/{tenantId}/`, as AAD's `https://sts.windows.net/{tid}/`. */
  issuerUrl: string;
  /** Every audience tokens may be issued for and are accepted with; trailing slashes and case do not matter. */
  acceptedAudiences?: readonly string[];
  clock: Clock;
  lifetimeSeconds?: number;
}

export interface ClientCredentialsRequest {
  clientId: string;
  clientSecret: string;
  /** v2 endpoints: `{resource}/.default`. */
  scope?: string;
  /** v1 and AD FS endpoints. */
  resource?: string;
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_resource';

export interface OAuthFailure {
  ok: false;
  error: OAuthErrorCode;
  /** AADSTS number, also the prefix of the description. */
  aadsts: number;
  description: string;
}

export interface IssuedToken {
  ok: true;
  accessToken: string;
  /** The audience, exactly as requested. */
  resource: string;
  issuedAt: number;
  expiresOn: number;
  expiresIn: number;
}

export interface TokenAuthority extends TokenVerifier {
  readonly tenantId: string;
  issueClientCredentialsToken(request: ClientCredentialsRequest): Promise<IssuedToken | OAuthFailure>;
  /**
   * A token for a principal without asking for its secret: how Kiln acts as a managed identity in its
   * own jobs, as Azure's instance metadata service hands a VM its identity's tokens. Never served over HTTP.
   */
  issueIdentityToken(clientId: string, resource: string): Promise<IssuedToken>;
  /** The signing keys as a JSON Web Key Set, for `jwks_uri`. */
  jwks(): { keys: Jwk[] };
}

export const DEFAULT_LIFETIME_SECONDS = 3600;
// Requested alongside a resource by some clients; they name no resource and are ignored.
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/** Audiences compare without case or trailing slashes, as Azure AD treats resource ids. */
export const normalizeAudience = (audience: string) => audience.trim().toLowerCase().replace(/\/+$/, '');

export const oauthFailure = (error: OAuthErrorCode, aadsts: number, message: string): OAuthFailure => ({
  ok: false,
  error,
  aadsts,
  description: `AADSTS${aadsts}: ${message}`,
});

export function createTokenAuthority(options: TokenAuthorityOptions): TokenAuthority {
  const { store, keys, tenantId, clock } = options;
  const issuer = `${options.issuerUrl.replace(/\/+$/, '')}/${tenantId}/`;
  const accepted = new Set((options.acceptedAudiences ?? STANDARD_AUDIENCES).map(normalizeAudience));
  const lifetime = options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;

  function resourceOf(request: ClientCredentialsRequest): string | OAuthFailure {
    if (request.scope !== undefined && request.scope.trim() !== '') {
      const scopes = request.scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
      if (scopes.length !== 1) {
        return oauthFailure(
          'invalid_scope',
          70011,
          `The provided value for the input parameter 'scope' is not valid. The scope ${request.scope} is not valid.`,
        );
      }
      const [scope] = scopes;
      if (!scope.endsWith('/.default')) {
        return oauthFailure(
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      return scope.slice(0, -'/.default'.length);
    }
    if (request.resource !== undefined && request.resource.trim() !== '') return request.resource.trim();
    return oauthFailure('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
  }

  async function issueClientCredentialsToken(request: ClientCredentialsRequest): Promise<IssuedToken | OAuthFailure> {
    if (request.clientId === '') {
      return oauthFailure(
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    }
    if (request.clientSecret === '') {
      return oauthFailure(
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const resource = resourceOf(request);
    if (typeof resource !== 'string') return resource;
    if (!accepted.has(normalizeAudience(resource))) {
      return oauthFailure(
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    const check = await verifyClientSecret(store, request.clientId, request.clientSecret);
    if (!check.ok) {
      return check.reason === 'unknown-client'
        ? oauthFailure(
            'unauthorized_client',
            700016,
            `Application with identifier '${request.clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
          )
        : oauthFailure(
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${request.clientId}'.`,
          );
    }
    return tokenFor(check.principal, resource);
  }

  function tokenFor({ appId, objectId }: ServicePrincipal, resource: string): IssuedToken {
    const now = Math.floor(clock.now().getTime() / 1000);
    const claims = {
      aud: resource,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      appid: appId,
      appidacr: '1',
      idp: issuer,
      idtyp: 'app',
      oid: objectId,
      sub: objectId,
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    return {
      ok: true,
      accessToken: signJwt(claims, keys.current().privateKey, keys.current().kid),
      resource,
      issuedAt: now,
      expiresOn: now + lifetime,
      expiresIn: lifetime,
    };
  }

  async function issueIdentityToken(clientId: string, resource: string): Promise<IssuedToken> {
    const principal = await findServicePrincipal(store, clientId);
    if (!principal) throw new Error(`No principal has the client id '${clientId}'.`);
    if (!accepted.has(normalizeAudience(resource))) throw new Error(`Tokens for '${resource}' are not issued here.`);
    return tokenFor(principal, resource);
  }

  async function verify(bearerToken: string): Promise<TokenCheck> {
    const judge = () =>
      verifyJwt(bearerToken, keys.publicKeys(), { now: clock.now(), clockSkewSeconds: CLOCK_SKEW_SECONDS });
    let check = judge();
    // Signed with a key another process rotated in since this one last read the ring: read it and judge again.
    if (!check.ok && check.reason === UNKNOWN_KEY && (await keys.reread())) check = judge();
    if (!check.ok) return check;
    const { iss, tid, aud, oid, appid, exp } = check.claims;
    if (iss !== issuer) return { ok: false, reason: `token issuer ${String(iss)} is not ${issuer}` };
    if (tid !== tenantId) return { ok: false, reason: `token tenant ${String(tid)} is not ${tenantId}` };
    if (typeof aud !== 'string' || !accepted.has(normalizeAudience(aud))) {
      return { ok: false, reason: `token audience ${String(aud)} is not accepted` };
    }
    if (typeof oid !== 'string' || typeof appid !== 'string' || typeof exp !== 'number') {
      return { ok: false, reason: 'token lacks the oid, appid or exp claim' };
    }
    const principal = await findServicePrincipal(store, appid);
    if (principal?.objectId !== oid) return { ok: false, reason: `service principal ${appid} no longer exists` };
    const claims: AccessTokenClaims = { tid: tenantId, oid, appid, aud, exp };
    return { ok: true, claims };
  }

  return {
    tenantId,
    issueClientCredentialsToken,
    issueIdentityToken,
    verify,
    jwks: () => ({ keys: keys.all().map((key) => publicKeyToJwk(key.publicKey, key.kid)) }),
  };
}
