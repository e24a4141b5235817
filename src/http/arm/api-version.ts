import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import type { ArmRouteConfig } from './route-config.ts';

/** First step of every ARM call: the api-version query parameter must name a version the route's resource type supports. */
export function checkApiVersion(request: FastifyRequest, arm: ArmRouteConfig): void {
  const apiVersion = (request.query as Record<string, unknown>)['api-version'];
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  }
  const supported = arm.type.apiVersions;
  if (supported.includes(apiVersion.toLowerCase())) return;
  const [namespace, ...type] = arm.type.type.toLowerCase().split('/');
  const typeName = type.join('/');
  if (namespace === 'microsoft.resources') {
    throw new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`,
    );
  }
  throw new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${locationOf(request)}' and API version '${apiVersion}' for type '${typeName}'. The supported api-versions are '${supported.join(', ')}'.`,
  );
}

function locationOf(request: FastifyRequest): string {
  const body = request.body as { location?: unknown } | undefined;
  return typeof body?.location === 'string' ? body.location : 'global';
}
