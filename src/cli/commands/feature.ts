/** `kiln feature`: preview features of the subscription, as `az feature`. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args, Flag } from '../arm/args.ts';
import type { CommandSpec, GroupSpec } from '../arm/command.ts';
import type { Session } from '../arm/session.ts';

const API = API_VERSIONS.features;
const NAMESPACE: Flag = {
  name: 'namespace',
  required: true,
  help: 'The resource provider namespace, such as Microsoft.Compute.',
};
const NAME: Flag = { name: 'name', short: 'n', required: true, help: 'The feature name.' };

const features = (session: Session) =>
  `/subscriptions/${encodeURIComponent(session.subscription)}/providers/Microsoft.Features`;
const featurePath = (session: Session, args: Args) =>
  `${features(session)}/providers/${encodeURIComponent(args.required('namespace'))}/features/${encodeURIComponent(args.required('name'))}`;

/** az's table for features, whose SDK model keeps `properties` nested (so each command is `nested`). */
const table = (feature: Record<string, unknown>) => ({
  Name: feature.name,
  RegistrationState: (feature.properties as { state?: string } | undefined)?.state,
});

/** register/unregister print the feature, with az's reminder that its provider's registration carries the change. */
function change(verb: 'register' | 'unregister', summary: string): CommandSpec {
  return {
    name: verb,
    summary,
    flags: [NAMESPACE, NAME],
    examples: [
      {
        title: `${verb === 'register' ? 'Register' : 'Unregister'} a feature.`,
        command: `kiln feature ${verb} --namespace Microsoft.Compute -n EncryptionAtHost`,
      },
    ],
    table,
    nested: true,
    async run(ctx) {
      const session = await ctx.session();
      const namespace = ctx.args.required('namespace');
      ctx.progress.line(
        `WARNING: Once the feature '${ctx.args.required('name')}' is ${verb}ed, invoking 'kiln provider register -n ${namespace}' is required to get the change propagated`,
      );
      return (await session.client.send('POST', `${featurePath(session, ctx.args)}/${verb}`, { apiVersion: API })).body;
    },
  };
}

export const feature: GroupSpec = {
  name: 'feature',
  summary: 'Manage resource provider features.',
  commands: [
    {
      name: 'list',
      summary: 'List the preview features registered or unregistered in the subscription, or in one namespace.',
      flags: [{ name: 'namespace', help: 'Only the features of this resource provider namespace.' }],
      examples: [
        { title: 'Every feature as a table.', command: 'kiln feature list -o table' },
        { title: 'Those of one provider.', command: 'kiln feature list --namespace Microsoft.Compute' },
      ],
      table,
      nested: true,
      async run(ctx) {
        const session = await ctx.session();
        const namespace = ctx.args.string('namespace');
        const path = namespace === undefined ? '/features' : `/providers/${encodeURIComponent(namespace)}/features`;
        return session.client.list(`${features(session)}${path}`, API);
      },
    },
    {
      name: 'show',
      summary: 'Get a preview feature: NotRegistered until it is registered.',
      flags: [NAMESPACE, NAME],
      examples: [
        { title: 'Show a feature.', command: 'kiln feature show --namespace Microsoft.Compute -n EncryptionAtHost' },
      ],
      show: true,
      table,
      nested: true,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.get(featurePath(session, ctx.args), API);
      },
    },
    change('register', 'Register a preview feature (Kiln records it; it is Registered at once).'),
    change('unregister', 'Unregister a preview feature.'),
  ],
};
