/**
 * Which resource providers each subscription is registered to use (`az provider register/unregister`).
 *
 * Default: every namespace Kiln serves is Registered. Azure registers a provider the first time an
 * owner of the subscription uses it (the portal, deployments and the SDKs' automatic registration all
 * do), so an install where nobody has unregistered anything behaves as one whose providers are in use.
 * A record is written only when a caller registers or unregisters, and holds the last state.
 *
 * Unregistered: writes (PUT, PATCH, POST) of the namespace's types in the subscription are refused with
 * 409 MissingSubscriptionRegistration in ARM's words (the ARM pipeline calls `requireRegistration`),
 * reads go on, and registration-free namespaces (Microsoft.Resources, ...; namespaces.ts) are never
 * refused. A change takes effect at once, so register answers Registered rather than Azure's
 * Registering (nothing in Kiln needs provisioning): `az provider register --wait` and azure-mgmt-core's
 * automatic registration, which POST register and poll until Registered, finish on their first poll.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { isRegistrationFree } from './namespaces.ts';

export type RegistrationState = 'Registered' | 'Unregistered';

interface RegistrationData {
  namespace: string;
  registrationState: RegistrationState;
}

const REGISTRATION_KIND = 'kiln/providerregistrations';

const registrationKey = (subscription: string, namespace: string) =>
  `/subscriptions/${subscription}/providerregistrations/${namespace}`.toLowerCase();

/** The subscription's state of every namespace, lower-cased; those never changed are Registered. */
export async function registrationStates(
  ctx: DomainContext,
  subscription: string,
): Promise<(namespace: string) => RegistrationState> {
  const records = await ctx.store.list<RegistrationData>({
    kind: REGISTRATION_KIND,
    subscription: subscription.toLowerCase(),
    limit: 10_000,
  });
  const states = new Map(records.map((r) => [r.data.namespace.toLowerCase(), r.data.registrationState]));
  return (namespace) => states.get(namespace.toLowerCase()) ?? 'Registered';
}

export async function setRegistration(
  ctx: DomainContext,
  subscription: string,
  namespace: string,
  registrationState: RegistrationState,
): Promise<void> {
  const data: RegistrationData = { namespace, registrationState };
  await ctx.store.apply([
    {
      op: 'put',
      record: {
        key: registrationKey(subscription, namespace),
        kind: REGISTRATION_KIND,
        subscription: subscription.toLowerCase(),
        resourceGroup: null,
        parent: null,
        data,
      },
    },
  ]);
}

/** Before a write of `namespace`'s types in `subscription`: 409 MissingSubscriptionRegistration once it is unregistered. */
export async function requireRegistration(ctx: DomainContext, subscription: string, namespace: string): Promise<void> {
  if (isRegistrationFree(namespace)) return;
  const record = await ctx.store.get<RegistrationData>(registrationKey(subscription, namespace));
  if (record?.data.registrationState !== 'Unregistered') return;
  // azure-mgmt-core's automatic registration reads the namespace from the message's last quoted word.
  const message = `The subscription is not registered to use namespace '${record.data.namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`;
  throw new ArmError(409, 'MissingSubscriptionRegistration', message, undefined, [
    { code: 'MissingSubscriptionRegistration', target: record.data.namespace, message },
  ]);
}
