/**
 * A container's public access level, as Azure's Set Container ACL sets it (`x-ms-blob-public-access`):
 * `blob` or `container` lets anyone read its blobs without credentials; without a level (the default)
 * the container is private. Kept as one record per region and container, outside any resource group.
 */
import type { DomainContext } from '../context.ts';

export type PublicAccessLevel = 'blob' | 'container';

export interface ContainerAcl {
  publicAccess?: PublicAccessLevel;
  /** When the level last changed; undefined for a container never set. */
  lastModified?: string;
  etag?: string;
}

const CONTAINER_ACL_KIND = 'kiln/containeracls';

interface ContainerAclData {
  region: string;
  container: string;
  publicAccess: PublicAccessLevel;
  lastModified: string;
}

// Azure container names are lower-case; the key is too, as every record key is.
const aclKey = (region: string, container: string) => `/containeracls/${region}/${container}`.toLowerCase();

export async function getContainerAcl(ctx: DomainContext, region: string, container: string): Promise<ContainerAcl> {
  const record = await ctx.store.get<ContainerAclData>(aclKey(region, container));
  return record
    ? { publicAccess: record.data.publicAccess, lastModified: record.data.lastModified, etag: record.etag }
    : {};
}

/** A private container keeps no record: that is what every container is until told otherwise. */
export async function setContainerAcl(
  ctx: DomainContext,
  region: string,
  container: string,
  publicAccess: PublicAccessLevel | undefined,
): Promise<ContainerAcl> {
  const key = aclKey(region, container);
  if (publicAccess === undefined) {
    await ctx.store.apply([{ op: 'delete', key }]);
    return {};
  }
  const data: ContainerAclData = {
    region: region.toLowerCase(),
    container,
    publicAccess,
    lastModified: ctx.clock.now().toISOString(),
  };
  const [stored] = await ctx.store.apply([
    { op: 'put', record: { key, kind: CONTAINER_ACL_KIND, subscription: '', resourceGroup: null, parent: null, data } },
  ]);
  return { publicAccess, lastModified: data.lastModified, etag: stored.etag };
}
