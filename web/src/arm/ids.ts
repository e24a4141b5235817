/** ARM resource ids, read the way ARM reads them: the last `providers` segment starts the type. */
export interface ParsedId {
  subscription?: string;
  resourceGroup?: string;
  /** `Microsoft.Compute/galleries/images`; `Microsoft.Resources/subscriptions` and `/resourceGroups` for those. */
  type: string;
  name: string;
  /** The id of the resource this one is a child of (a definition's gallery), or its group, or subscription. */
  parent?: string;
}

export function parseId(id: string): ParsedId {
  const segments = id.split('/').filter(Boolean);
  const at = (name: string) => segments.findIndex((s) => s.toLowerCase() === name);
  const subscription = at('subscriptions') === 0 ? segments[1] : undefined;
  const groupAt = at('resourcegroups');
  const resourceGroup = groupAt === 2 ? segments[3] : undefined;
  const providersAt = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (providersAt < 0 || providersAt + 3 > segments.length) {
    if (resourceGroup)
      return {
        subscription,
        resourceGroup,
        type: 'Microsoft.Resources/resourceGroups',
        name: resourceGroup,
        parent: `/subscriptions/${subscription}`,
      };
    return { subscription, type: 'Microsoft.Resources/subscriptions', name: subscription ?? '' };
  }
  const tail = segments.slice(providersAt + 1);
  const typeParts = [tail[0], ...tail.slice(1).filter((_, i) => i % 2 === 0)];
  const name = tail[tail.length - 1];
  const parentSegments = tail.length > 3 ? segments.slice(0, segments.length - 2) : segments.slice(0, providersAt);
  return {
    subscription,
    resourceGroup,
    type: typeParts.join('/'),
    name,
    parent: parentSegments.length ? `/${parentSegments.join('/')}` : undefined,
  };
}

/** The chain from the subscription down to `id`'s parent, for breadcrumbs. */
export function ancestorsOf(id: string): string[] {
  const chain: string[] = [];
  for (let parent = parseId(id).parent; parent; parent = parseId(parent).parent) chain.unshift(parent);
  return chain;
}

/** The portal path of a resource's page. */
export const resourcePath = (id: string) => `/resource${id}`;
