/**
 * ARM pipeline step, after authorization: a write (PUT, PATCH, POST) of a type whose namespace the
 * subscription has unregistered is refused with 409 MissingSubscriptionRegistration before its
 * handler runs (domain/providers/registration.ts). Reads, DELETE, calls outside a subscription and
 * registration-free namespaces (registering itself is Microsoft.Resources) pass.
 */
import type { DomainContext } from '../../domain/context.ts';
import { namespaceOf } from '../../domain/operation-lists/descriptor.ts';
import { requireRegistration } from '../../domain/providers/registration.ts';
import type { PipelineStep } from './pipeline-step.ts';

const WRITES = new Set(['PUT', 'PATCH', 'POST']);

export function requireProviderRegistration(domain: DomainContext): PipelineStep {
  return (request, { type }) => {
    if (!WRITES.has(request.method)) return;
    const subscription = /^\/+subscriptions\/+([^/?]+)/i.exec(request.url)?.[1];
    if (subscription) return requireRegistration(domain, decodeURIComponent(subscription), namespaceOf(type.type));
  };
}
