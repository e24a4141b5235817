/** `kiln account`: the subscriptions of the login, as `az account`. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { ArmClient } from '../arm/arm-client.ts';
import type { GroupSpec } from '../arm/command.ts';
import { HttpClient } from '../arm/http.ts';
import { accessToken, loadProfile, saveProfile, type Profile, type Subscription } from '../arm/profile.ts';
import { findSubscription, NOT_LOGGED_IN } from '../arm/session.ts';

/** A subscription as `az account show` prints it. */
export function accountView(profile: Profile, subscription: Subscription) {
  return {
    environmentName: 'Kiln',
    server: profile.server,
    homeTenantId: subscription.tenantId,
    id: subscription.id,
    isDefault: subscription.id === (profile.defaultSubscription ?? profile.subscriptions[0]?.id),
    managedByTenants: [],
    name: subscription.name,
    state: subscription.state,
    tenantId: subscription.tenantId,
    user: { name: profile.appId, type: 'servicePrincipal' },
  };
}

/** GET /subscriptions, in the profile's shape. */
export async function fetchSubscriptions(client: ArmClient): Promise<Subscription[]> {
  const list = (await client.list('/subscriptions', API_VERSIONS.subscriptions)) as Array<{
    subscriptionId: string;
    displayName: string;
    state: string;
    tenantId: string;
  }>;
  return list.map((s) => ({ id: s.subscriptionId, name: s.displayName, state: s.state, tenantId: s.tenantId }));
}

async function profileOrFail(): Promise<Profile> {
  const profile = await loadProfile();
  if (!profile) throw new Error(NOT_LOGGED_IN);
  return profile;
}

function chosen(profile: Profile, idOrName: string | undefined): Subscription {
  const wanted = idOrName ?? profile.defaultSubscription ?? profile.subscriptions[0]?.id;
  const found = wanted === undefined ? undefined : findSubscription(profile, wanted);
  if (!found)
    throw new Error(
      `Subscription '${wanted ?? ''}' not found. Check the spelling, or run 'kiln account list --refresh'.`,
    );
  return found;
}

export const account: GroupSpec = {
  name: 'account',
  summary: 'Manage the subscriptions of the login.',
  commands: [
    {
      name: 'show',
      summary: 'Get the details of a subscription (the default one without --subscription).',
      flags: [],
      examples: [
        { title: 'The default subscription.', command: 'kiln account show' },
        { title: 'Its id only.', command: 'kiln account show --query id -o tsv' },
      ],
      async run(ctx) {
        const profile = await profileOrFail();
        return accountView(profile, chosen(profile, ctx.args.string('subscription')));
      },
    },
    {
      name: 'list',
      summary: 'List the subscriptions of the login.',
      flags: [{ name: 'refresh', kind: 'switch', help: 'Ask the server for the current list first.' }],
      examples: [
        { title: 'The subscriptions seen at login.', command: 'kiln account list -o table' },
        { title: 'The current list from the server.', command: 'kiln account list --refresh' },
      ],
      async run(ctx) {
        let profile = await profileOrFail();
        if (ctx.args.bool('refresh')) {
          const { client } = await ctx.session();
          profile = { ...profile, subscriptions: await fetchSubscriptions(client) };
          await saveProfile(profile);
        }
        return profile.subscriptions.map((s) => accountView(profile, s));
      },
    },
    {
      name: 'set',
      summary: 'Set the default subscription.',
      flags: [{ name: 'subscription', short: 's', required: true, help: 'Name or ID of subscription.' }],
      examples: [
        {
          title: 'Make a subscription the default.',
          command: 'kiln account set -s 00000000-0000-0000-0000-000000000000',
        },
      ],
      async run(ctx) {
        const profile = await profileOrFail();
        await saveProfile({ ...profile, defaultSubscription: chosen(profile, ctx.args.required('subscription')).id });
        return undefined;
      },
    },
    {
      name: 'get-access-token',
      summary: 'Get a token for the management API (for curl and scripts).',
      flags: [],
      examples: [
        {
          title: 'A bearer token.',
          command: 'curl -H "Authorization: Bearer $(kiln account get-access-token --query accessToken -o tsv)" ...',
        },
      ],
      async run(ctx) {
        const profile = await profileOrFail();
        const http = new HttpClient(profile.caCert);
        try {
          const token = await accessToken(http, profile);
          return {
            accessToken: token.accessToken,
            expiresOn: new Date(token.expiresOn * 1000).toISOString(),
            expires_on: token.expiresOn,
            subscription: chosen(profile, ctx.args.string('subscription')).id,
            tenant: profile.tenant,
            tokenType: 'Bearer',
          };
        } finally {
          http.close();
        }
      },
    },
  ],
};
