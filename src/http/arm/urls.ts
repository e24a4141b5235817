import type { FastifyRequest } from 'fastify';

/** The URL the client used to reach us, so links we hand out work from where it stands. */
export function publicBaseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The request's own URL with `query` entries set (used for nextLink and polling URLs). */
export function withQuery(request: FastifyRequest, path: string, query: Record<string, string>): string {
  const url = new URL(path, publicBaseUrl(request));
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

export function apiVersionOf(request: FastifyRequest): string {
  return String((request.query as Record<string, unknown>)['api-version'] ?? '');
}
