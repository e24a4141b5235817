import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { normalizeAudience } from '../../domain/identity/local-token-authority.ts';
import type { TokenVerifier } from '../../domain/identity/token-authority.ts';
import { publicBaseUrl } from './urls.ts';

/**
 * Second step of every ARM call: a valid bearer token. Failures answer 401 with the
 * `WWW-Authenticate` challenge ARM sends, naming where to get a token.
 */
export function authenticate(tokens: TokenVerifier, tenantId: string, audiences: readonly string[]) {
  const accepted = new Set(audiences.map(normalizeAudience));
  // Made only for a refusal: every call runs the hook, and a closure per call costs.
  const refusal = (request: FastifyRequest, code: string, message: string) =>
    new ArmError(401, code, message, undefined, [], {
      'WWW-Authenticate': `Bearer authorization_uri="${publicBaseUrl(request)}/${tenantId}", error="invalid_token", error_description="${message}"`,
    });
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.routeOptions.config.arm) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match)
      throw refusal(request, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
    const check = await tokens.verify(match[1]);
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
}
