/**
 * How `kiln resource` names resources, as `az resource` does: `--ids`, or `-g`, `-n`,
 * `--resource-type` (`Microsoft.Compute/galleries`, or `galleries` with `--namespace`) and
 * `--parent` (`galleries/shelf`); and the api-version to call each with, `--api-version` or, as az
 * finds it, the newest stable one the provider lists for the type (`GET .../providers/{namespace}`).
 */
import { parseResourceId } from '../../core/resource-id.ts';
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError, type Args, type Flag } from '../arm/args.ts';
import type { Session } from '../arm/session.ts';

export const ID_FLAGS: Flag[] = [
  {
    name: 'ids',
    kind: 'list',
    help: "One or more resource ids (space-delimited). If given, no other 'Resource Id' arguments should be.",
  },
  { name: 'resource-group', short: 'g', help: 'Name of resource group.' },
  { name: 'name', short: 'n', help: 'The resource name.' },
  {
    name: 'resource-type',
    help: 'The resource type, e.g. Microsoft.Compute/galleries, or galleries with --namespace.',
  },
  { name: 'namespace', help: 'Provider namespace (e.g. Microsoft.Compute).' },
  { name: 'parent', help: "The parent path (e.g. 'galleries/shelf')." },
  { name: 'api-version', help: "The api-version of the resource. Default: the provider's newest stable one." },
];

const enc = encodeURIComponent;

/** The ids the command line names: `--ids`, or the one -g, -n, --resource-type, --namespace and --parent make. */
export function resourceIds(session: Session, args: Args): string[] {
  const ids = args.list('ids');
  if (ids) {
    for (const id of ids)
      if (!parseResourceId(id)) throw new UsageError(`argument --ids: invalid ResourceId value: '${id}'`);
    return ids;
  }
  const group = args.string('resource-group');
  const name = args.string('name');
  const type = args.string('resource-type');
  if (!group || !name || !type) throw new UsageError('(--ids | --resource-group --name --resource-type) are required');
  const [namespace, ...types] = args.string('namespace') ? [args.string('namespace')!, type] : type.split('/');
  if (types.length === 0) throw new UsageError('--resource-type must be <namespace>/<type>, or give --namespace');
  const parent = args.string('parent');
  const path = [...(parent ? [parent] : []), types.join('/'), enc(name)].join('/');
  return [`/subscriptions/${enc(session.subscription)}/resourceGroups/${enc(group)}/providers/${namespace}/${path}`];
}

/** The api-version to call `id` with: --api-version, else the provider's newest stable version of its type, as az resolves it. */
export async function apiVersionOf(session: Session, args: Args, id: string): Promise<string> {
  const given = args.string('api-version');
  if (given) return given;
  const parsed = parseResourceId(id)!;
  if (parsed.namespace === undefined) return API_VERSIONS.resourceGroups;
  const type = parsed.types.map(([t]) => t).join('/');
  const provider = (await session.client.get(
    `/subscriptions/${enc(session.subscription)}/providers/${enc(parsed.namespace)}`,
    API_VERSIONS.resourceGroups,
  )) as { resourceTypes?: { resourceType: string; apiVersions: string[] }[] };
  const versions = provider.resourceTypes?.find(
    (t) => t.resourceType.toLowerCase() === type.toLowerCase(),
  )?.apiVersions;
  if (!versions?.length)
    throw new UsageError(`API version is required and could not be resolved for resource ${parsed.namespace}/${type}`);
  return versions.find((v) => !v.toLowerCase().includes('preview')) ?? versions[0];
}
