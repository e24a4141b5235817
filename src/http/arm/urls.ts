import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';

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

/** A boolean query parameter (`?skipShutdown=true`), false when absent; anything but true or false is a 400 naming it. */
export function booleanQuery(request: FastifyRequest, name: string): boolean {
  const value = (request.query as Record<string, unknown>)[name];
  if (value === undefined) return false;
  const text = String(value).toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ArmError(
    400,
    'InvalidParameter',
    `The value '${String(value)}' of '${name}' is not valid: true or false.`,
    name,
  );
}
