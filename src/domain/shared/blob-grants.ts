/**
 * Stored access grants behind signed blob URLs. A SAS names its grant (`si`); ending access deletes
 * the grant, which revokes every SAS issued for it even before it expires, as Azure's endGetAccess does.
 */
import { newGuid } from '../../core/ids.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';

export const BLOB_GRANT_KIND = 'kiln/blobgrants';

interface BlobGrant {
  identifier: string;
  expiresOn: string;
}

const grantKey = (region: string, key: string) => `/blobgrants/${region}/${key}`.toLowerCase();

/** A new grant on one blob, replacing (and so revoking) the one before. */
export function openGrant(region: string, key: string, expiresOn: Date): { identifier: string; write: Write } {
  const identifier = newGuid();
  const data: BlobGrant = { identifier, expiresOn: expiresOn.toISOString() };
  return {
    identifier,
    write: {
      op: 'put',
      record: {
        key: grantKey(region, key),
        kind: BLOB_GRANT_KIND,
        subscription: '',
        resourceGroup: null,
        parent: null,
        data,
      },
    },
  };
}

export function closeGrant(region: string, key: string): Write {
  return { op: 'delete', key: grantKey(region, key) };
}

export async function isGrantActive(
  ctx: DomainContext,
  region: string,
  key: string,
  identifier: string,
): Promise<boolean> {
  const grant = await ctx.store.get<BlobGrant>(grantKey(region, key));
  return grant?.data.identifier === identifier && Date.parse(grant.data.expiresOn) > ctx.clock.now().getTime();
}
