/** `kiln resource`: any resource by its id or its names, as `az resource` (list, show, delete, tag). */
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError, type Args } from '../arm/args.ts';
import type { CommandSpec, Context, GroupSpec } from '../arm/command.ts';
import { tagsOf, TAGS, waiting } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { apiVersionOf, ID_FLAGS, resourceIds } from './resource-id.ts';

const API = API_VERSIONS.resourceGroups;
const enc = encodeURIComponent;

/** az's table for resource lists. */
const table = (resource: Record<string, unknown>) => ({
  Name: resource.name,
  ResourceGroup: resource.resourceGroup,
  Location: resource.location,
  Type: resource.type,
  Status: resource.provisioningState ?? ' ',
});

/** az's `$filter` from list's flags; a tag filter goes alone, as ARM takes it. */
function listFilter(args: Args): string | undefined {
  const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const tag = args.string('tag');
  const group = args.string('resource-group');
  const type = args.string('resource-type');
  const namespace = args.string('namespace');
  if (tag !== undefined)
    for (const [flag, value] of Object.entries({
      'resource-group': group,
      namespace,
      'resource-type': type,
      name: args.string('name'),
      location: args.string('location'),
    }))
      if (value !== undefined) throw new UsageError(`you cannot use '--tag' with '--${flag}'`);
  if (namespace !== undefined && type === undefined) throw new UsageError('--namespace also requires --resource-type');
  if (type !== undefined && namespace === undefined && !type.includes('/'))
    throw new UsageError('Malformed resource-type: --resource-type=<namespace>/<resource-type> expected.');
  const filters = [
    ...(group !== undefined ? [`resourceGroup eq ${quoted(group)}`] : []),
    ...(args.string('name') !== undefined ? [`name eq ${quoted(args.string('name')!)}`] : []),
    ...(args.string('location') !== undefined ? [`location eq ${quoted(args.string('location')!)}`] : []),
    ...(type !== undefined ? [`resourceType eq ${quoted(namespace ? `${namespace}/${type}` : type)}`] : []),
  ];
  if (tag !== undefined) {
    const [name, value] = tag.split(/=(.*)/s);
    if (name.endsWith('*')) filters.push(`startswith(tagname, ${quoted(name.slice(0, -1))})`);
    else filters.push(`tagname eq ${quoted(name)}`, ...(value ? [`tagvalue eq ${quoted(value)}`] : []));
  }
  return filters.length > 0 ? filters.join(' and ') : undefined;
}

/** One result for one id, a list for several, as az prints them. */
async function eachId(ctx: Context, each: (session: Session, id: string) => Promise<unknown>): Promise<unknown> {
  const session = await ctx.session();
  const ids = resourceIds(session, ctx.args);
  const results = [];
  for (const id of ids) results.push(await each(session, id));
  return ids.length === 1 ? results[0] : results;
}

const ID_EXAMPLE = '/subscriptions/SUB/resourceGroups/MyResourceGroup/providers/Microsoft.Compute/galleries/MyGallery';

// Generic resources keep `properties` as they are: az's GenericResource model does not flatten them.
const list: CommandSpec = {
  name: 'list',
  summary: 'List resources.',
  flags: [
    { name: 'resource-group', short: 'g', help: 'Name of resource group. Without it: the whole subscription.' },
    { name: 'name', short: 'n', help: 'The resource name (a nested one as parent/child).' },
    { name: 'resource-type', help: 'The resource type, e.g. Microsoft.Compute/galleries.' },
    { name: 'namespace', help: 'Provider namespace, with --resource-type.' },
    { name: 'location', short: 'l', help: 'Location, a Kiln region such as westus.' },
    {
      name: 'tag',
      help: 'A single tag: key[=value], or key* for every tag name it starts. Not with any other filter.',
    },
  ],
  examples: [
    {
      title: 'Every resource of a resource group, as a table.',
      command: 'kiln resource list -g MyResourceGroup -o table',
    },
    {
      title: 'The galleries of the subscription.',
      command: 'kiln resource list --resource-type Microsoft.Compute/galleries',
    },
    { title: 'Resources tagged env=prod.', command: 'kiln resource list --tag env=prod' },
  ],
  table,
  nested: true,
  async run(ctx) {
    const session = await ctx.session();
    const group = ctx.args.string('resource-group');
    if (group !== undefined)
      await session.client.get(`/subscriptions/${enc(session.subscription)}/resourcegroups/${enc(group)}`, API);
    const filter = listFilter(ctx.args);
    const query = new URLSearchParams({
      $expand: 'createdTime,changedTime,provisioningState',
      ...(filter ? { $filter: filter } : {}),
    });
    return session.client.list(`/subscriptions/${enc(session.subscription)}/resources?${query}`, API);
  },
};

const show: CommandSpec = {
  name: 'show',
  summary: 'Get the details of a resource.',
  flags: ID_FLAGS,
  examples: [
    { title: 'A resource by its id.', command: `kiln resource show --ids ${ID_EXAMPLE}` },
    {
      title: 'A gallery image definition by its names.',
      command:
        'kiln resource show -g MyResourceGroup -n MyImage --resource-type Microsoft.Compute/images --parent galleries/MyGallery',
    },
  ],
  show: true,
  nested: true,
  run: (ctx) => eachId(ctx, async (session, id) => session.client.get(id, await apiVersionOf(session, ctx.args, id))),
};

const remove: CommandSpec = {
  name: 'delete',
  summary: 'Delete a resource.',
  flags: ID_FLAGS,
  examples: [{ title: 'Delete a resource by its id.', command: `kiln resource delete --ids ${ID_EXAMPLE}` }],
  longRunning: true,
  run: async (ctx) =>
    void (await eachId(ctx, async (session, id) =>
      session.client.longRunning('DELETE', id, await apiVersionOf(session, ctx.args, id), waiting(ctx)),
    )),
};

const tag: CommandSpec = {
  name: 'tag',
  summary:
    "Tag a resource: replace its tags, or with -i add to them. Through the tags API, so no resource's body is sent again.",
  flags: [
    ...ID_FLAGS,
    { ...TAGS, required: true },
    {
      name: 'is-incremental',
      short: 'i',
      kind: 'switch',
      help: 'Add the tags to those the resource has, instead of replacing them.',
    },
  ],
  examples: [
    {
      title: 'Replace the tags of a resource.',
      command: `kiln resource tag --ids ${ID_EXAMPLE} --tags env=prod team=images`,
    },
    { title: 'Add a tag, keeping the others.', command: `kiln resource tag --ids ${ID_EXAMPLE} --tags owner=me -i` },
  ],
  nested: true,
  async run(ctx) {
    const tags = tagsOf(ctx.args) ?? {};
    const incremental = ctx.args.bool('is-incremental') === true;
    if (incremental && Object.keys(tags).length === 0)
      throw new UsageError('When modifying tag incrementally, the parameters of tag must have specific values.');
    return eachId(ctx, async (session, id) => {
      const at = `${id}/providers/Microsoft.Resources/tags/default`;
      const body = { properties: { tags }, ...(incremental ? { operation: 'Merge' } : {}) };
      await session.client.send(incremental ? 'PATCH' : 'PUT', at, { apiVersion: API, body });
      return session.client.get(id, await apiVersionOf(session, ctx.args, id));
    });
  },
};

export const resource: GroupSpec = {
  name: 'resource',
  summary: 'Manage any resource: list, show, delete and tag them whatever their type.',
  commands: [list, show, remove, tag],
};
