import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { normalizeAudience } from '../../domain/identity/local-token-authority.ts';
import type { TokenCheck, TokenVerifier } from '../../domain/identity/token-authority.ts';
import { whenReady, type PipelineStep } from './pipeline-step.ts';
import { publicBaseUrl } from './urls.ts';

/**
 * The token of each connection's last Authorization header, while the connection sends that same
 * header again (a keep-alive client sends it on every call): matching a kilobyte of header against the
 * scheme, and hashing a new copy of the token for the verdict cache's lookup, cost more than the rest
 * of authentication. Only the header's text and the token cut from it are kept, a pure function of
 * the text; the verdict is looked up on every call, with the kept string, which holds its hash once
 * hashed (V8 keeps it in the string). Gone with the connection.
 */
const connectionTokens = new WeakMap<object, { header: string; token: string | undefined }>();

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const connection = request.raw.socket;
  const kept = connectionTokens.get(connection);
  if (kept?.header === header) return kept.token;
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  connectionTokens.set(connection, { header, token });
  return token;
}

/**
 * Second step of every ARM call: a valid bearer token. Failures answer 401 with the
 * `WWW-Authenticate` challenge ARM sends, naming where to get a token.
 */
export function authenticate(tokens: TokenVerifier, tenantId: string, audiences: readonly string[]): PipelineStep {
  const accepted = new Set(audiences.map(normalizeAudience));
  // Made only for a refusal: every call runs the hook, and a closure per call costs.
  const refusal = (request: FastifyRequest, code: string, message: string) =>
    new ArmError(401, code, message, undefined, [], {
      'WWW-Authenticate': `Bearer authorization_uri="${publicBaseUrl(request)}/${tenantId}", error="invalid_token", error_description="${message}"`,
    });
  const admit = (request: FastifyRequest, check: TokenCheck) => {
    // A token for another resource (say, storage) does not open the management API.
    if (check.ok && !accepted.has(normalizeAudience(check.claims.aud)))
      throw refusal(
        request,
        'InvalidAuthenticationTokenAudience',
        `The access token has an invalid audience '${check.claims.aud}' for the management API.`,
      );
    if (check.ok) {
      request.principal = check.claims;
      return;
    }
    const code = /expir/i.test(check.reason)
      ? 'ExpiredAuthenticationToken'
      : /audience/i.test(check.reason)
        ? 'InvalidAuthenticationTokenAudience'
        : 'InvalidAuthenticationToken';
    throw refusal(request, code, `The access token is invalid: ${check.reason}`);
  };
  return (request) => {
    const token = bearerToken(request);
    if (token === undefined)
      throw refusal(request, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
    // A verdict the access cache holds comes at once (domain/authorization/access-cache.ts).
    return whenReady(tokens.verify(token), (check) => admit(request, check));
  };
}
