/** `kiln login` and `kiln logout`: a service principal's session with a Kiln server, as `az login --service-principal`. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../arm/args.ts';
import { ArmClient } from '../arm/arm-client.ts';
import type { CommandSpec } from '../arm/command.ts';
import { HttpClient } from '../arm/http.ts';
import { clearProfile, loadProfile, requestToken, saveProfile, saveSecret, type Profile } from '../arm/profile.ts';
import { accountView, fetchSubscriptions } from './account.ts';

export const login: CommandSpec = {
  name: 'login',
  summary: 'Log in to a Kiln server with a service principal; prints the subscriptions.',
  flags: [
    { name: 'server', required: true, help: "The server's URL, e.g. https://127.0.0.1:8443." },
    { name: 'service-principal', kind: 'switch', help: 'Log in as a service principal (the only kind Kiln has).' },
    { name: 'username', short: 'u', required: true, help: 'The appId of the service principal.' },
    { name: 'password', short: 'p', required: true, help: 'Its secret.' },
    { name: 'tenant', short: 't', required: true, help: "The tenant id ('kiln serve' prints it)." },
    {
      name: 'ca-cert',
      help: "PEM file of a CA to trust for the server (DATA/tls/ca.pem of 'kiln serve'); kept for later commands.",
    },
  ],
  examples: [
    {
      title: 'Log in with the admin credentials of a server.',
      command:
        'kiln login --server https://127.0.0.1:8443 --service-principal -u "$APP_ID" -p "$SECRET" --tenant "$TENANT" --ca-cert kiln-data/tls/ca.pem',
    },
  ],
  async run(ctx) {
    const { args } = ctx;
    if (!args.bool('service-principal'))
      throw new UsageError(
        'Kiln signs in service principals only: add --service-principal (with -u APPID -p SECRET --tenant TENANT).',
      );
    const caFile = args.string('ca-cert');
    const caCert =
      caFile === undefined
        ? undefined
        : await readFile(caFile, 'utf8').catch((error: Error) => {
            throw new UsageError(`argument --ca-cert: cannot read '${caFile}': ${error.message}`);
          });
    const server = URL.canParse(args.required('server')) ? new URL(args.required('server')).origin : undefined;
    if (!server || !/^https?:$/.test(new URL(server).protocol))
      throw new UsageError(`argument --server: '${args.required('server')}' is not an http(s) URL`);
    const identity = { server, tenant: args.required('tenant'), appId: args.required('username') };
    const http = new HttpClient(caCert);
    try {
      const token = await requestToken(http, identity, args.required('password'));
      const subscriptions = await fetchSubscriptions(new ArmClient(http, server, async () => token.accessToken));
      const profile: Profile = { ...identity, caCert, subscriptions, defaultSubscription: subscriptions[0]?.id };
      await saveSecret(args.required('password'), token);
      await saveProfile(profile);
      return subscriptions.map((s) => accountView(profile, s));
    } finally {
      http.close();
    }
  },
};

export const logout: CommandSpec = {
  name: 'logout',
  summary:
    'Log out: forget the server, the service principal and its token (kept in $KILN_CONFIG_DIR, default ~/.kiln-cli).',
  flags: [],
  examples: [{ title: 'Log out.', command: 'kiln logout' }],
  async run() {
    if (!(await loadProfile())) throw new Error('There are no active accounts.');
    await clearProfile();
    return undefined;
  },
};
