/**
 * Whether the caller of an ARM request may read a Kiln blob that its body names (a disk's or
 * snapshot's `creationData.sourceUri`, an image's `blobUri`, a gallery image version's
 * `source.uri`). Making a resource from a blob hands its bytes on (a disk's read SAS, an image's
 * disks), so naming one takes exactly what reading it through the blob data plane takes: a valid read
 * SAS in the URL, the Storage Blob Data read action at its container or above (blob-scope.ts), or a
 * container whose public access level lets anyone read. The caller's bearer token is for ARM, not
 * storage, so its role assignments stand in for the storage token a client would send.
 */
import { verifyBlobAccess } from '../../core/blob-sas.ts';
import { isDataAllowed, type CallerAccess } from '../authorization/check-access.ts';
import type { DomainContext } from '../context.ts';
import { isGrantActive } from '../shared/blob-grants.ts';
import { BLOB_DATA_ACTIONS, containerScope } from './blob-scope.ts';
import { getContainerAcl } from './public-access.ts';

/** A blob URL as core/blob-url.ts parses it: a signed one names `key` literally, an unsigned one a user blob. */
export interface LinkedBlob {
  region: string;
  container: string;
  key: string;
  signed: boolean;
  /** The URL's query: a SAS when it carries `sig`. */
  query: URLSearchParams;
}

export async function mayReadLinkedBlob(
  ctx: DomainContext,
  access: CallerAccess,
  sasSecret: Buffer,
  blob: LinkedBlob,
): Promise<boolean> {
  if (blob.signed) {
    // A signed URL names the key it was signed for, which may back a resource: its SAS is the only way
    // to it, never a role or a container's ACL. A write SAS (`rw`) opens the staging blob of an upload
    // in progress, never the sealed blob read here.
    const check = verifyBlobAccess(sasSecret, blob.region, blob.key, blob.query, ctx.clock.now());
    return check.ok && !check.staging && (await isGrantActive(ctx, blob.region, blob.key, check.identifier));
  }
  if (isDataAllowed(access, BLOB_DATA_ACTIONS.read, blobContainerScope(ctx, blob))) return true;
  return (await getContainerAcl(ctx, blob.region, blob.container)).publicAccess !== undefined;
}

/** The RBAC scope a read of the blob is checked at, for refusals to name. */
export const blobContainerScope = (ctx: DomainContext, blob: Pick<LinkedBlob, 'region' | 'container'>) =>
  containerScope(ctx, blob.region, blob.container);
