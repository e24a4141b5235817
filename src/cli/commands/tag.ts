/**
 * `kiln tag`: the tags API, as `az tag`: the subscription's tag names (with counts) and predefined
 * names and values, and the tags of a subscription, group or resource (`--resource-id`) as a whole,
 * their `properties` nested as az's TagsResource model keeps them.
 */
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError, type Args, type Flag } from '../arm/args.ts';
import type { CommandSpec, GroupSpec } from '../arm/command.ts';
import { confirm, tagsOf, TAGS, YES } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';

const API = API_VERSIONS.resourceGroups;
const enc = encodeURIComponent;
const RESOURCE_ID: Flag = { name: 'resource-id', help: 'The id of a subscription, resource group or resource.' };
const NAME: Flag = { name: 'name', short: 'n', help: 'The name of the tag.' };
const VALUE: Flag = { name: 'value', required: true, help: 'The value of the tag.' };

const names = (session: Session) => `/subscriptions/${enc(session.subscription)}/tagNames`;
const tagsAt = (args: Args) =>
  `${args.required('resource-id').replace(/\/+$/, '')}/providers/Microsoft.Resources/tags/default`;

/** `--name` or `--resource-id`, one of them. */
function oneOf(args: Args): 'name' | 'resource-id' {
  const given = (['name', 'resource-id'] as const).filter((flag) => args.string(flag) !== undefined);
  if (given.length !== 1) throw new UsageError('Exactly one of --name and --resource-id is required.');
  return given[0];
}

/** add-value (PUT, printing the value) and remove-value (DELETE, printing nothing): a predefined value of a name. */
function valueCommand(name: string, summary: string, method: 'PUT' | 'DELETE'): CommandSpec {
  return {
    name,
    summary,
    flags: [{ ...NAME, required: true }, VALUE],
    examples: [{ title: 'A value of a tag name.', command: `kiln tag ${name} --name release --value 2024` }],
    async run(ctx) {
      const session = await ctx.session();
      const path = `${names(session)}/${enc(ctx.args.required('name'))}/tagValues/${enc(ctx.args.required('value'))}`;
      const answer = await session.client.send(method, path, { apiVersion: API });
      return method === 'PUT' ? answer.body : undefined;
    },
  };
}

export const tag: GroupSpec = {
  name: 'tag',
  summary: 'Tag names, values and the tags of subscriptions, resource groups and resources.',
  commands: [
    {
      name: 'list',
      summary: "List the subscription's tag names with their counts, or the tags of one entity (--resource-id).",
      flags: [RESOURCE_ID],
      examples: [
        { title: 'Every tag name in use, with its values.', command: 'kiln tag list' },
        {
          title: 'The tags of a resource group.',
          command: 'kiln tag list --resource-id /subscriptions/SUB/resourceGroups/MyResourceGroup',
        },
      ],
      nested: true,
      async run(ctx) {
        const session = await ctx.session();
        if (ctx.args.string('resource-id') === undefined) return session.client.list(names(session), API);
        return session.client.get(tagsAt(ctx.args), API);
      },
    },
    {
      name: 'create',
      summary: 'Create a predefined tag name (--name), or replace the tags of an entity (--resource-id --tags).',
      flags: [NAME, RESOURCE_ID, TAGS],
      examples: [
        { title: 'A predefined tag name.', command: 'kiln tag create --name release' },
        {
          title: 'The tags of a resource, replaced.',
          command:
            'kiln tag create --resource-id /subscriptions/SUB/resourceGroups/MyResourceGroup/providers/Microsoft.Compute/galleries/MyGallery --tags env=prod',
        },
      ],
      nested: true,
      async run(ctx) {
        const session = await ctx.session();
        if (oneOf(ctx.args) === 'name')
          return (
            await session.client.send('PUT', `${names(session)}/${enc(ctx.args.required('name'))}`, { apiVersion: API })
          ).body;
        const body = { properties: { tags: tagsOf(ctx.args) ?? {} } };
        return (await session.client.send('PUT', tagsAt(ctx.args), { apiVersion: API, body })).body;
      },
    },
    {
      name: 'update',
      summary: 'Merge, replace or delete tags of an entity.',
      flags: [
        { ...RESOURCE_ID, required: true },
        {
          name: 'operation',
          required: true,
          values: ['Merge', 'Replace', 'Delete'],
          help: 'Merge adds or changes the given tags, Replace sets exactly them, Delete removes them (a value given must match).',
        },
        { ...TAGS, required: true },
      ],
      examples: [
        {
          title: 'Add a tag to a resource group, keeping the others.',
          command:
            'kiln tag update --resource-id /subscriptions/SUB/resourceGroups/MyResourceGroup --operation Merge --tags owner=me',
        },
      ],
      nested: true,
      async run(ctx) {
        const session = await ctx.session();
        const body = { operation: ctx.args.required('operation'), properties: { tags: tagsOf(ctx.args) ?? {} } };
        return (await session.client.send('PATCH', tagsAt(ctx.args), { apiVersion: API, body })).body;
      },
    },
    {
      name: 'delete',
      summary: 'Delete a predefined tag name (--name), or every tag of an entity (--resource-id).',
      flags: [NAME, RESOURCE_ID, YES],
      examples: [
        { title: 'A predefined tag name.', command: 'kiln tag delete --name release --yes' },
        {
          title: 'Every tag of a resource group.',
          command: 'kiln tag delete --resource-id /subscriptions/SUB/resourceGroups/MyResourceGroup --yes',
        },
      ],
      nested: true,
      async run(ctx) {
        const which = oneOf(ctx.args);
        await confirm(ctx, 'Are you sure you want to perform this operation?');
        const session = await ctx.session();
        const path = which === 'name' ? `${names(session)}/${enc(ctx.args.required('name'))}` : tagsAt(ctx.args);
        await session.client.send('DELETE', path, { apiVersion: API });
        return undefined;
      },
    },
    valueCommand('add-value', 'Create a predefined value of a tag name.', 'PUT'),
    valueCommand('remove-value', 'Delete a predefined value of a tag name.', 'DELETE'),
  ],
};
