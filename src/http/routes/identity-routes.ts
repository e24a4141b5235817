/**
 * Kiln's identity provider endpoints, at the paths and in the shapes of Azure AD (v1 and v2) and
 * AD FS, so MSAL-based clients (Azure SDKs, Azure CLI) find and use them given only an authority
 * host. Kiln has one tenant; any tenant alias (`common`, `organizations`, a domain) answers for it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oauthFailure, type OAuthFailure, type TokenAuthority } from '../../domain/identity/local-token-authority.ts';
import { publicBaseUrl } from '../arm/urls.ts';
import { BodyRefused, JSON_BODY_LIMITS, bodyTooLargeMessage } from '../json-body.ts';

export interface IdentityRouteDeps {
  authority: TokenAuthority;
}

type TokenEndpoint = 'aad-v1' | 'aad-v2' | 'adfs';

interface TenantParams {
  tenant: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORM_LIMIT_BYTES = 64 * 1024;
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Azure AD's answer to a token request without a form body or without `grant_type` in it. */
const missingGrantType = () =>
  oauthFailure('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");

export async function registerIdentityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    const { authority } = deps;
    const tenantId = authority.tenantId;

    scope.addContentTypeParser(
      FORM_MEDIA_TYPE,
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.setErrorHandler((error: FastifyError, request, reply) => {
      // Fastify's messages can quote the body, which may hold a secret: answer with fixed texts.
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return sendFailure(request, reply, missingGrantType());
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = request.headers['content-type']?.startsWith(FORM_MEDIA_TYPE)
          ? FORM_LIMIT_BYTES
          : JSON_BODY_LIMITS.bytes;
        return sendFailure(request, reply, oauthFailure('invalid_request', 90014, bodyTooLargeMessage(limit)));
      }
      // Names the depth limit and a path of member names, never a value.
      if (error instanceof BodyRefused)
        return sendFailure(request, reply, oauthFailure('invalid_request', 90014, error.message));
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return sendFailure(
          request,
          reply,
          oauthFailure('invalid_request', 90014, 'The request body could not be read.'),
        );
      }
      request.log.error({ err: error }, 'identity request failed');
      return reply.status(500).send({
        error: 'server_error',
        error_description: 'The server encountered an internal error. Please retry the request.',
      });
    });

    // Tenant ids other than ours name a tenant that does not exist here; names and aliases mean ours.
    scope.addHook('preHandler', async (request, reply) => {
      const { tenant } = request.params as Partial<TenantParams>;
      if (tenant !== undefined && GUID.test(tenant) && tenant.toLowerCase() !== tenantId.toLowerCase()) {
        return sendFailure(
          request,
          reply,
          oauthFailure(
            'invalid_request',
            90002,
            `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          ),
        );
      }
    });

    async function token(request: FastifyRequest, reply: FastifyReply, endpoint: TokenEndpoint) {
      // Only form bodies count, as at Azure AD: a JSON body parsed by the app-wide parser is ignored.
      const body = isFormBody(request) && isRecord(request.body) ? request.body : {};
      const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
      const grantType = field('grant_type');
      if (grantType === undefined) {
        return sendFailure(request, reply, missingGrantType());
      }
      if (grantType !== 'client_credentials') {
        return sendFailure(
          request,
          reply,
          oauthFailure('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`),
        );
      }
      // RFC 6749 §2.3.1: a client may authenticate with HTTP Basic instead of body parameters.
      const basic = basicCredentials(request.headers.authorization);
      const result = await authority.issueClientCredentialsToken({
        clientId: field('client_id') ?? basic?.clientId ?? '',
        clientSecret: field('client_secret') ?? basic?.clientSecret ?? '',
        scope: endpoint === 'aad-v1' ? undefined : field('scope'),
        resource: endpoint === 'aad-v2' ? undefined : field('resource'),
      });
      if (!result.ok) return sendFailure(request, reply, result);
      noStore(request, reply);
      switch (endpoint) {
        case 'aad-v2':
          return reply.send({
            token_type: 'Bearer',
            expires_in: result.expiresIn,
            ext_expires_in: result.expiresIn,
            access_token: result.accessToken,
          });
        case 'aad-v1':
          // AAD's v1 endpoint sends its numbers as strings.
          return reply.send({
            token_type: 'Bearer',
            expires_in: String(result.expiresIn),
            ext_expires_in: String(result.expiresIn),
            expires_on: String(result.expiresOn),
            not_before: String(result.issuedAt),
            resource: result.resource,
            access_token: result.accessToken,
          });
        case 'adfs':
          return reply.send({
            access_token: result.accessToken,
            token_type: 'Bearer',
            expires_in: result.expiresIn,
            resource: result.resource,
          });
      }
    }

    scope.post('/:tenant/oauth2/v2.0/token', (request, reply) => token(request, reply, 'aad-v2'));
    scope.post('/:tenant/oauth2/token', (request, reply) => token(request, reply, 'aad-v1'));
    scope.post('/adfs/oauth2/token', (request, reply) => token(request, reply, 'adfs'));

    // MSAL insists on authorization_endpoint and takes the tenant id from its path, although only
    // the token endpoint is served: Kiln has no interactive sign-in.
    scope.get('/:tenant/v2.0/.well-known/openid-configuration', async (request) => {
      const base = `${publicBaseUrl(request)}/${tenantId}`;
      return openIdConfiguration({
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    });

    scope.get('/:tenant/.well-known/openid-configuration', async (request) => {
      const base = `${publicBaseUrl(request)}/${tenantId}`;
      return openIdConfiguration({
        issuer: `${base}/`,
        authorization_endpoint: `${base}/oauth2/authorize`,
        token_endpoint: `${base}/oauth2/token`,
        jwks_uri: `${base}/discovery/keys`,
      });
    });

    scope.get('/adfs/.well-known/openid-configuration', async (request) => {
      const base = `${publicBaseUrl(request)}/adfs`;
      return openIdConfiguration({
        issuer: base,
        authorization_endpoint: `${base}/oauth2/authorize`,
        token_endpoint: `${base}/oauth2/token`,
        jwks_uri: `${base}/discovery/keys`,
      });
    });

    for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys', '/adfs/discovery/keys']) {
      scope.get(path, async () => authority.jwks());
    }

    // MSAL instance discovery (api-version 1.1): Kiln is a one-host cloud, its own only alias.
    scope.get<{ Querystring: { authorization_endpoint?: string } }>('/common/discovery/instance', async (request) => {
      const host = request.host;
      const tenant = tenantOfAuthorizeUrl(request.query.authorization_endpoint) ?? tenantId;
      return {
        tenant_discovery_endpoint: `${publicBaseUrl(request)}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      };
    });
  });
}

function openIdConfiguration(endpoints: Record<string, string>) {
  return {
    ...endpoints,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    grant_types_supported: ['client_credentials'],
    response_types_supported: ['token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
  };
}

const isFormBody = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM_MEDIA_TYPE);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    const unform = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: unform(decoded.slice(0, colon)), clientSecret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function tenantOfAuthorizeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).pathname.split('/').find((segment) => segment !== '');
  } catch {
    return undefined;
  }
}

function noStore(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache');
  const clientRequestId = request.headers['client-request-id'];
  if (typeof clientRequestId === 'string') reply.header('client-request-id', clientRequestId);
}

/** AAD's error body, with the trace and correlation ids its clients print; AD FS sends just the pair. */
function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: OAuthFailure) {
  noStore(request, reply);
  // RFC 6749 §5.2: a failed client authentication is 401, everything else 400.
  reply.status(failure.error === 'invalid_client' ? 401 : 400);
  if (request.url.startsWith('/adfs/'))
    return reply.send({ error: failure.error, error_description: failure.description });
  const traceId = randomUUID();
  const clientRequestId = request.headers['client-request-id'];
  const correlationId =
    typeof clientRequestId === 'string' && GUID.test(clientRequestId) ? clientRequestId : randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return reply.send({
    error: failure.error,
    error_description: `${failure.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [failure.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  });
}
