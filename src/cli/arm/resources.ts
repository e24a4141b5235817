/**
 * What the resource commands share: the flags that name a resource (-g and the name flags of each
 * level, as az spells them), its ARM path, the show/list/delete commands every type has, and the
 * helpers creates need (location default, tags, `--source` given as a URI, an id or a name).
 */
import { createInterface } from 'node:readline/promises';
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import { API_VERSIONS } from './api-versions.ts';
import { UsageError, type Args, type Flag } from './args.ts';
import type { Watch } from './arm-client.ts';
import type { CommandSpec, Context } from './command.ts';
import type { Session } from './session.ts';

export const RESOURCE_GROUP: Flag = {
  name: 'resource-group',
  short: 'g',
  required: true,
  help: 'Name of resource group.',
};
export const LOCATION: Flag = {
  name: 'location',
  short: 'l',
  help: "Location, a Kiln region such as westus. Default: the resource group's.",
};
export const TAGS: Flag = {
  name: 'tags',
  kind: 'list',
  help: 'Space-separated tags: key[=value] [key[=value] ...]. Use "" to clear existing tags.',
};
export const YES: Flag = { name: 'yes', short: 'y', kind: 'switch', help: 'Do not prompt for confirmation.' };

/** One level of a resource's path: its collection and the flag naming it (e.g. galleries, -r). */
export interface Segment {
  collection: string;
  flag: Flag;
  example: string;
}

export interface ResourceKind {
  /** The command group, e.g. `sig image-definition`. */
  command: string;
  noun: string;
  provider: string;
  apiVersion: string;
  /** Outermost first; the last names the resource itself. */
  segments: Segment[];
}

const enc = encodeURIComponent;

/** A type directly in a resource group, named by -n/--name as az does for most. */
export function namedKind(
  kind: Omit<ResourceKind, 'segments'> & { collection: string; example: string },
): ResourceKind {
  const { collection, example, ...rest } = kind;
  return {
    ...rest,
    segments: [{ collection, flag: { name: 'name', short: 'n', help: `The name of the ${kind.noun}.` }, example }],
  };
}

export function resourceId(kind: ResourceKind, subscription: string, group: string, names: string[]): string {
  const levels = kind.segments.map((s, i) => `${s.collection}/${enc(names[i])}`).join('/');
  return `/subscriptions/${enc(subscription)}/resourceGroups/${enc(group)}/providers/${kind.provider}/${levels}`;
}

export function resourcePath(kind: ResourceKind, subscription: string, args: Args): string {
  return resourceId(
    kind,
    subscription,
    args.required('resource-group'),
    kind.segments.map((s) => args.required(s.flag.name)),
  );
}

/** The collection under the parent levels; a top-level type without -g lists the whole subscription. */
export function collectionPath(kind: ResourceKind, subscription: string, args: Args): string {
  const group = args.string('resource-group');
  const own = kind.segments[kind.segments.length - 1].collection;
  if (group === undefined) return `/subscriptions/${enc(subscription)}/providers/${kind.provider}/${own}`;
  const parents = kind.segments.slice(0, -1).map((s) => `${s.collection}/${enc(args.required(s.flag.name))}`);
  return `/subscriptions/${enc(subscription)}/resourceGroups/${enc(group)}/providers/${kind.provider}/${[...parents, own].join('/')}`;
}

/** -g and every level's name flag, all required. */
export const nameFlags = (kind: ResourceKind, levels = kind.segments.length): Flag[] => [
  RESOURCE_GROUP,
  ...kind.segments.slice(0, levels).map((s) => ({ ...s.flag, required: true })),
];

/** `-g MyResourceGroup -r MyGallery -i MyImage` for help examples. */
export const exampleNames = (kind: ResourceKind, levels = kind.segments.length) =>
  [
    '-g MyResourceGroup',
    ...kind.segments
      .slice(0, levels)
      .map((s) => `${s.flag.short ? `-${s.flag.short}` : `--${s.flag.name}`} ${s.example}`),
  ].join(' ');

export interface CreateOptions {
  summary: string;
  /** Flags besides the name flags, -l and --tags. */
  flags: Flag[];
  examples: CommandSpec['examples'];
  /** The body besides location and tags (properties, sku). */
  body(session: Session, args: Args): Promise<Record<string, unknown>>;
  /** The location without -l; default: the resource group's. */
  location?: { help: string; of(session: Session, args: Args): Promise<string> };
  /** Progress while it is made; default: a "Running" status. */
  watch?(ctx: Context, session: Session, path: string): Watch;
}

/** PUT {location, tags, ...body} and wait for it (or not, with --no-wait). */
export function createCommand(kind: ResourceKind, options: CreateOptions): CommandSpec {
  return {
    name: 'create',
    summary: options.summary,
    flags: [
      ...nameFlags(kind),
      ...options.flags,
      options.location ? { ...LOCATION, help: options.location.help } : LOCATION,
      TAGS,
    ],
    examples: options.examples,
    longRunning: true,
    async run(ctx) {
      const session = await ctx.session();
      const path = resourcePath(kind, session.subscription, ctx.args);
      const location = await (options.location?.of(session, ctx.args) ?? locationOf(session, ctx.args));
      const body = { location, tags: tagsOf(ctx.args), ...(await options.body(session, ctx.args)) };
      return session.client.longRunning('PUT', path, kind.apiVersion, {
        body,
        ...waiting(ctx, options.watch?.(ctx, session, path)),
      });
    },
  };
}

export function showCommand(
  kind: ResourceKind,
  options: {
    flags?: Flag[];
    query?: (args: Args) => Record<string, string | undefined>;
    examples?: CommandSpec['examples'];
  } = {},
): CommandSpec {
  return {
    name: 'show',
    summary: `Get the details of a ${kind.noun}.`,
    flags: [...nameFlags(kind), ...(options.flags ?? [])],
    examples: [
      { title: `Show a ${kind.noun}.`, command: `kiln ${kind.command} show ${exampleNames(kind)}` },
      ...(options.examples ?? []),
    ],
    show: true,
    async run(ctx) {
      const { client, subscription } = await ctx.session();
      return client.get(resourcePath(kind, subscription, ctx.args), kind.apiVersion, options.query?.(ctx.args));
    },
  };
}

export function listCommand(kind: ResourceKind): CommandSpec {
  const top = kind.segments.length === 1;
  const parents = kind.segments.length - 1;
  return {
    name: 'list',
    summary: `List ${kind.noun}s${top ? ' in a resource group, or in the subscription' : ''}.`,
    flags: top
      ? [{ ...RESOURCE_GROUP, required: false, help: 'Name of resource group. Without it: the whole subscription.' }]
      : nameFlags(kind, parents),
    examples: [
      {
        title: `List the ${kind.noun}s${top ? ' of a resource group' : ''}.`,
        command: `kiln ${kind.command} list ${exampleNames(kind, parents)}`,
      },
      {
        title: 'Only their names, one per line.',
        command: `kiln ${kind.command} list ${exampleNames(kind, parents)} --query "[].name" -o tsv`,
      },
    ],
    async run(ctx) {
      const { client, subscription } = await ctx.session();
      return client.list(collectionPath(kind, subscription, ctx.args), kind.apiVersion);
    },
  };
}

export function deleteCommand(kind: ResourceKind, options: { confirm?: boolean } = {}): CommandSpec {
  return {
    name: 'delete',
    summary: `Delete a ${kind.noun}.`,
    flags: [...nameFlags(kind), ...(options.confirm ? [YES] : [])],
    examples: [
      {
        title: `Delete a ${kind.noun}.`,
        command: `kiln ${kind.command} delete ${exampleNames(kind)}${options.confirm ? ' --yes' : ''}`,
      },
    ],
    longRunning: true,
    async run(ctx) {
      if (options.confirm) await confirm(ctx, `Are you sure you want to perform this operation?`);
      const { client, subscription } = await ctx.session();
      return client.longRunning('DELETE', resourcePath(kind, subscription, ctx.args), kind.apiVersion, waiting(ctx));
    },
  };
}

/**
 * --no-wait, and progress while the operation lasts: `watch`, or a "Running" status. Progress is a
 * view: its failures are ignored, the operation's own polling reports real ones.
 */
export function waiting(ctx: Context, watch?: Watch): { noWait: boolean; watch: Watch } {
  const show: Watch = watch ?? (async (done) => void (done || ctx.progress.update('- Running ..')));
  return { noWait: ctx.noWait, watch: (done) => show(done).catch(() => undefined) };
}

/** az's confirmation: --yes, or a y/n answer on a terminal; without a terminal it refuses. */
export async function confirm(ctx: Context, question: string): Promise<void> {
  if (ctx.args.bool('yes')) return;
  if (!process.stdin.isTTY) throw new UsageError('Unable to prompt for confirmation as no tty available. Use --yes.');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} (y/n): `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new Error('Operation cancelled.');
  } finally {
    prompt.close();
  }
}

/** `--tags a=b c`: {a: 'b', c: ''}; `--tags ""` clears them. */
export function tagsOf(args: Args): Record<string, string> | undefined {
  const list = args.list('tags');
  if (!list) return undefined;
  const tags: Record<string, string> = {};
  for (const entry of list.filter((e) => e !== '')) {
    const equals = entry.indexOf('=');
    if (equals === 0) throw new UsageError(`argument --tags: '${entry}' has no key`);
    if (equals < 0) tags[entry] = '';
    else tags[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return tags;
}

/** -l, else the location of the resource at `fallbackPath` (the resource group, as az, or a parent). */
export async function locationOf(
  session: Session,
  args: Args,
  fallbackPath?: { path: string; apiVersion: string },
): Promise<string> {
  const given = args.string('location');
  if (given !== undefined) return given;
  const path = fallbackPath ?? {
    path: `/subscriptions/${enc(session.subscription)}/resourcegroups/${enc(args.required('resource-group'))}`,
    apiVersion: API_VERSIONS.resourceGroups,
  };
  return ((await session.client.get(path.path, path.apiVersion)) as { location: string }).location;
}

export type Source = { uri: string } | { id: string; type: string };

/**
 * `--source` as az takes it: a blob URI, a resource id, or the name of a resource of one of
 * `kinds` (tried in order) in the command's resource group.
 */
export async function resolveSource(
  session: Session,
  args: Args,
  flag: string,
  kinds: ResourceKind[],
): Promise<Source | undefined> {
  const value = args.string(flag);
  if (value === undefined) return undefined;
  if (/^https?:\/\//i.test(value)) return { uri: value };
  const parsed = parseResourceId(value);
  if (parsed)
    return {
      id: value,
      type: `${parsed.namespace ?? ''}/${parsed.types.map(([type]) => type).join('/')}`.toLowerCase(),
    };
  if (value.includes('/')) throw new UsageError(`argument --${flag}: '${value}' is neither a URI nor a resource id.`);
  const group = args.required('resource-group');
  for (const kind of kinds) {
    const id = resourceId(kind, session.subscription, group, [value]);
    try {
      await session.client.get(id, kind.apiVersion);
      return { id, type: `${kind.provider}/${kind.segments[0].collection}`.toLowerCase() };
    } catch (error) {
      if (!(error instanceof ArmError && error.status === 404)) throw error;
    }
  }
  throw new UsageError(
    `argument --${flag}: no ${kinds.map((k) => k.noun).join(' or ')} named '${value}' in resource group '${group}'; give a resource id or a blob URI.`,
  );
}
