/** `kiln group`: resource groups, as `az group`. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args, Flag } from '../arm/args.ts';
import type { GroupSpec } from '../arm/command.ts';
import { confirm, tagsOf, TAGS, waiting, YES } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';

const API = API_VERSIONS.resourceGroups;
const NAME: Flag = {
  name: 'name',
  short: 'n',
  aliases: ['--resource-group', '-g'],
  required: true,
  help: 'Name of resource group.',
};
const groupPath = (session: Session, args: Args) =>
  `/subscriptions/${encodeURIComponent(session.subscription)}/resourcegroups/${encodeURIComponent(args.required('name'))}`;

/** Export options by the flag that asks for each. */
const EXPORT_OPTIONS: Record<string, string> = {
  'include-comments': 'IncludeComments',
  'include-parameter-default-value': 'IncludeParameterDefaultValue',
  'skip-resource-name-params': 'SkipResourceNameParameterization',
  'skip-all-params': 'SkipAllParameterization',
};

/** az's table for groups: name, location and provisioning state. */
const table = (group: Record<string, unknown>) => ({
  Name: group.name,
  Location: group.location,
  Status: (group.properties as { provisioningState?: string } | undefined)?.provisioningState,
});

export const group: GroupSpec = {
  name: 'group',
  summary: 'Manage resource groups.',
  commands: [
    {
      name: 'create',
      summary: 'Create a new resource group, or update an existing one.',
      flags: [
        NAME,
        { name: 'location', short: 'l', required: true, help: 'Location, a Kiln region such as westus.' },
        TAGS,
      ],
      examples: [
        { title: 'Create a resource group in westus.', command: 'kiln group create -n MyResourceGroup -l westus' },
        { title: 'With tags.', command: 'kiln group create -n MyResourceGroup -l westus --tags team=images env=test' },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        const body = { location: ctx.args.required('location'), tags: tagsOf(ctx.args) };
        return (await session.client.send('PUT', groupPath(session, ctx.args), { apiVersion: API, body })).body;
      },
    },
    {
      name: 'show',
      summary: 'Get a resource group.',
      flags: [NAME],
      examples: [{ title: 'Show a resource group.', command: 'kiln group show -n MyResourceGroup' }],
      show: true,
      table,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.get(groupPath(session, ctx.args), API);
      },
    },
    {
      name: 'list',
      summary: 'List resource groups.',
      flags: [],
      examples: [
        { title: 'List the resource groups of the subscription as a table.', command: 'kiln group list -o table' },
        {
          title: 'The names of those in westus.',
          command: `kiln group list --query "[?location=='westus'].name" -o tsv`,
        },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.list(`/subscriptions/${encodeURIComponent(session.subscription)}/resourcegroups`, API);
      },
    },
    {
      name: 'delete',
      summary: 'Delete a resource group and everything in it.',
      flags: [NAME, YES],
      examples: [
        { title: 'Delete a resource group, without a prompt.', command: 'kiln group delete -n MyResourceGroup --yes' },
        {
          title: 'Start the delete and return at once.',
          command: 'kiln group delete -n MyResourceGroup --yes --no-wait',
        },
      ],
      longRunning: true,
      async run(ctx) {
        await confirm(ctx, 'Are you sure you want to perform this operation?');
        const session = await ctx.session();
        return session.client.longRunning('DELETE', groupPath(session, ctx.args), API, waiting(ctx));
      },
    },
    {
      name: 'export',
      summary: 'Capture a resource group as a template.',
      flags: [
        NAME,
        {
          name: 'resource-ids',
          kind: 'list',
          help: 'Space-separated ids of the resources to export. Default: every resource of the group.',
        },
        { name: 'include-comments', kind: 'switch', help: 'Export the template with comments.' },
        {
          name: 'include-parameter-default-value',
          kind: 'switch',
          help: 'Export the parameters with their default values.',
        },
        { name: 'skip-resource-name-params', kind: 'switch', help: 'Write resource names as they are.' },
        { name: 'skip-all-params', kind: 'switch', help: 'Make no parameters at all.' },
      ],
      examples: [
        { title: 'Export a group into a file.', command: 'kiln group export -n MyResourceGroup > template.json' },
        {
          title: 'One resource, with default values, for redeploying elsewhere.',
          command:
            'kiln group export -n MyResourceGroup --resource-ids /subscriptions/SUB/resourceGroups/MyResourceGroup/providers/Microsoft.Compute/galleries/MyGallery --include-parameter-default-value',
        },
      ],
      async run(ctx) {
        const session = await ctx.session();
        const options = Object.entries(EXPORT_OPTIONS)
          .filter(([flag]) => ctx.args.bool(flag))
          .map(([, option]) => option);
        const body = {
          resources: ctx.args.list('resource-ids') ?? ['*'],
          ...(options.length > 0 ? { options: options.join(',') } : {}),
        };
        const result = (await session.client.longRunning(
          'POST',
          `${groupPath(session, ctx.args)}/exportTemplate`,
          API,
          {
            body,
          },
        )) as { template: unknown; error?: { message: string; details?: { message: string }[] } };
        // As az: the template, and what could not be exported as warnings.
        if (result.error) {
          ctx.progress.line(`WARNING: ${result.error.message}`);
          for (const detail of result.error.details ?? []) ctx.progress.line(`ERROR: ${detail.message}`);
        }
        return result.template;
      },
    },
    {
      name: 'exists',
      summary: 'Check if a resource group exists: prints true or false.',
      flags: [NAME],
      examples: [
        {
          title: 'Create the group unless it exists.',
          command:
            'test "$(kiln group exists -n MyResourceGroup)" = true || kiln group create -n MyResourceGroup -l westus',
        },
      ],
      async run(ctx) {
        const session = await ctx.session();
        return session.client.exists(groupPath(session, ctx.args), API);
      },
    },
  ],
};
