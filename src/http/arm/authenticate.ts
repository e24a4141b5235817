import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import type { TokenVerifier } from '../../domain/identity/token-authority.ts';
import { publicBaseUrl } from './urls.ts';

/**
 * Second step of every ARM call: a valid bearer token. Failures answer 401 with the
 * `WWW-Authenticate` challenge ARM sends, naming where to get a token.
 */
export function authenticate(tokens: TokenVerifier, tenantId: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.routeOptions.config.arm) return;
    const challenge = (error: string, description: string) =>
      `Bearer authorization_uri="${publicBaseUrl(request)}/${tenantId}", error="${error}", error_description="${description}"`;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      const message = 'Authentication failed. The Authorization header is missing.';
      throw new ArmError(401, 'AuthenticationFailed', message, undefined, [], { 'WWW-Authenticate': challenge('invalid_token', message) });
    }
    const check = await tokens.verify(match[1]);
    if (check.ok) {
      request.principal = check.claims;
      return;
    }
    const code = /expir/i.test(check.reason)
      ? 'ExpiredAuthenticationToken'
      : /audience/i.test(check.reason)
        ? 'InvalidAuthenticationTokenAudience'
        : 'InvalidAuthenticationToken';
    const message = `The access token is invalid: ${check.reason}`;
    throw new ArmError(401, code, message, undefined, [], { 'WWW-Authenticate': challenge('invalid_token', message) });
  };
}
