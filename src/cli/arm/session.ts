/** A logged-in connection to the server: the ARM client and the subscription a command works in. */
import { ArmClient } from './arm-client.ts';
import { HttpClient } from './http.ts';
import { accessToken, loadProfile, type Profile, type Subscription } from './profile.ts';

export interface Session {
  profile: Profile;
  client: ArmClient;
  subscription: string;
  http: HttpClient;
}

export const NOT_LOGGED_IN = "Please run 'kiln login' to setup account.";

export async function openSession(subscriptionFlag: string | undefined): Promise<Session> {
  const profile = await loadProfile();
  if (!profile) throw new Error(NOT_LOGGED_IN);
  const http = new HttpClient(profile.caCert);
  const client = new ArmClient(
    http,
    profile.server,
    async (renew) => (await accessToken(http, profile, renew)).accessToken,
  );
  const chosen = subscriptionFlag ?? profile.defaultSubscription ?? profile.subscriptions[0]?.id;
  if (!chosen)
    throw new Error(
      "No subscription: the server listed none at login. Pass --subscription, or run 'kiln login' again.",
    );
  return { profile, client, http, subscription: findSubscription(profile, chosen)?.id ?? chosen };
}

/** By id or by name, as az's --subscription. */
export function findSubscription(profile: Profile, idOrName: string): Subscription | undefined {
  const wanted = idOrName.toLowerCase();
  return (
    profile.subscriptions.find((s) => s.id.toLowerCase() === wanted) ??
    profile.subscriptions.find((s) => s.name.toLowerCase() === wanted)
  );
}
