/** `kiln provider`: resource providers and their registration in the subscription, as `az provider`. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args, Flag } from '../arm/args.ts';
import type { CommandSpec, Context, GroupSpec } from '../arm/command.ts';
import type { Session } from '../arm/session.ts';

const API = API_VERSIONS.resourceGroups;
const NAMESPACE: Flag = {
  name: 'namespace',
  short: 'n',
  required: true,
  help: 'The resource provider namespace, such as Microsoft.Compute.',
};
const EXPAND: Flag = {
  name: 'expand',
  help: "Properties to include in the result, e.g. 'resourceTypes/aliases' (Kiln's types have none).",
};
const WAIT: Flag = {
  name: 'wait',
  kind: 'switch',
  help: 'Wait for the registration to finish (Kiln finishes at once).',
};

const providers = (session: Session) => `/subscriptions/${encodeURIComponent(session.subscription)}/providers`;
const providerPath = (session: Session, args: Args) =>
  `${providers(session)}/${encodeURIComponent(args.required('namespace'))}`;
const expandOf = (args: Args) => ({ $expand: args.string('expand') });

interface Provider {
  registrationState?: string;
}

/** az's table for providers. */
const table = (provider: Record<string, unknown>) => ({
  Namespace: provider.namespace,
  RegistrationPolicy: provider.registrationPolicy,
  RegistrationState: provider.registrationState,
});

/**
 * register/unregister print nothing, as az does; a provider not yet in the state asked for is waited
 * for with --wait (Kiln answers in the new state at once) and otherwise said to be on its way.
 */
function registration(verb: 'register' | 'unregister', state: string, summary: string): CommandSpec {
  return {
    name: verb,
    summary,
    flags: [NAMESPACE, WAIT],
    examples: [
      {
        title: `${verb === 'register' ? 'Register' : 'Unregister'} a provider.`,
        command: `kiln provider ${verb} -n Microsoft.Compute`,
      },
    ],
    async run(ctx: Context) {
      const session = await ctx.session();
      const path = providerPath(session, ctx.args);
      let answer = (await session.client.send('POST', `${path}/${verb}`, { apiVersion: API })).body as Provider;
      if (answer.registrationState !== state && !ctx.args.bool('wait'))
        ctx.progress.line(
          `WARNING: ${verb === 'register' ? 'Registering' : 'Unregistering'} is still on-going. You can monitor using 'kiln provider show -n ${ctx.args.required('namespace')}'`,
        );
      else
        while (answer.registrationState !== state) {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          answer = (await session.client.get(path, API)) as Provider;
        }
      return undefined;
    },
  };
}

export const provider: GroupSpec = {
  name: 'provider',
  summary: 'Manage resource providers.',
  commands: [
    {
      name: 'list',
      summary: 'Get all resource providers for the subscription, with their types and registration state.',
      flags: [EXPAND],
      examples: [
        { title: 'Every provider as a table.', command: 'kiln provider list -o table' },
        {
          title: 'The namespaces not registered.',
          command: `kiln provider list --query "[?registrationState=='Unregistered'].namespace" -o tsv`,
        },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        const expand = ctx.args.string('expand');
        const query = expand === undefined ? '' : `?$expand=${encodeURIComponent(expand)}`;
        return session.client.list(`${providers(session)}${query}`, API);
      },
    },
    {
      name: 'show',
      summary: 'Get a resource provider: its types, their api-versions and locations, its registration state.',
      flags: [NAMESPACE, EXPAND],
      examples: [
        { title: 'Show a provider.', command: 'kiln provider show -n Microsoft.Compute' },
        {
          title: 'The api-versions of a type.',
          command: `kiln provider show -n Microsoft.Compute --query "resourceTypes[?resourceType=='galleries'].apiVersions | [0]"`,
        },
      ],
      show: true,
      table,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.get(providerPath(session, ctx.args), API, expandOf(ctx.args));
      },
    },
    registration('register', 'Registered', 'Register a provider: the subscription may write its types again.'),
    registration(
      'unregister',
      'Unregistered',
      'Unregister a provider: writes of its types are refused (MissingSubscriptionRegistration), reads go on.',
    ),
  ],
};
