import type { FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { hookOf } from './pipeline-step.ts';

/** First step of every ARM call: the api-version query parameter must name a version the route's resource type supports. */
export const checkApiVersion = hookOf(apiVersionStep);

function apiVersionStep(request: FastifyRequest): void {
  const arm = request.routeOptions.config.arm;
  if (!arm) return;
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
