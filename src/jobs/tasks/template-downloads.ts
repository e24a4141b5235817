/**
 * How a run downloads `scriptUri` and `sourceUri`. Kiln's own blob URLs (the origin of Kiln's public
 * URL, path `/blob/...`) go through `OwnBlobAccess.fetch` and, without a SAS, carry a storage token of
 * the template's user-assigned identity, minted in-process as Azure's instance metadata service hands a
 * build VM its identity's tokens. Kiln's blob route then checks that principal's data-read grant like
 * any caller's. Other URLs go over the network under the operator's download policy (policy-fetch.ts),
 * every redirect hop decided anew; a redirect to one of Kiln's own blob URLs is served in-process too.
 */
import type { BuildLog } from '../../imaging/build-log.ts';
import type { FetchLike } from '../../imaging/customizers/download-into-image.ts';
import type { DownloadPolicy } from '../../imaging/download-policy.ts';
import { policyFetch } from '../../imaging/policy-fetch.ts';
import { parseBlobUrl, type BlobAddress } from '../../core/blob-url.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { ImageTemplate } from '../../domain/image-templates/image-template.ts';
import type { UserAssignedIdentity } from '../../domain/managed-identities/identity.ts';
import { findIdentity } from '../../domain/managed-identities/operations.ts';
import { BLOB_DATA_ACTIONS, containerScope } from '../../domain/storage/blob-scope.ts';

/** What the composition root gives runs to reach Kiln's own blobs. */
export interface OwnBlobAccess {
  /** A storage-audience token for the principal with this client id. */
  storageToken(clientId: string): Promise<string>;
  /** How Kiln's own URLs are fetched: in-process through the HTTP app where this process serves it. */
  fetch: FetchLike;
}

/** The Storage API version Kiln's own downloads speak. */
const STORAGE_VERSION = '2023-11-03';

function ownBlob(ctx: DomainContext, url: URL): BlobAddress | undefined {
  const base = ctx.settings.publicUrl;
  return base !== undefined && url.origin === new URL(base).origin ? parseBlobUrl(url) : undefined;
}

export function templateDownloads(
  ctx: DomainContext,
  template: ImageTemplate,
  log: BuildLog,
  access: OwnBlobAccess,
  policy: DownloadPolicy,
): FetchLike {
  return policyFetch(policy, { inProcess: (url) => ownBlobFetch(ctx, template, log, access, url) });
}

/** How one of Kiln's own blob URLs is fetched, as the template's identity when it has one; undefined for other URLs. */
function ownBlobFetch(
  ctx: DomainContext,
  template: ImageTemplate,
  log: BuildLog,
  access: OwnBlobAccess,
  url: URL,
): FetchLike | undefined {
  const blob = ownBlob(ctx, url);
  if (blob === undefined) return undefined;
  const [identityId] = Object.keys(template.identity.userAssignedIdentities ?? {});
  return async (href, init) => {
    const signed = url.searchParams.has('sig');
    const scope = containerScope(ctx, blob.region, blob.container);
    const headers: Record<string, string> = { ...init.headers, 'x-ms-version': STORAGE_VERSION };
    let identity: UserAssignedIdentity | undefined;
    if (identityId !== undefined && !signed) {
      identity = await findIdentity(ctx, identityId);
      if (!identity) throw new Error(`the template's identity '${identityId}' does not exist.`);
      const token = await access.storageToken(identity.properties.clientId);
      log.redact([token]);
      headers.authorization = `Bearer ${token}`;
    }
    const response = await access.fetch(href, { ...init, headers });
    if (response.status === 403 && identity) {
      const { principalId } = identity.properties;
      throw new Error(
        `the template's identity '${identityId}' (principal ${principalId}) may not read the blob '${blob.container}/${blob.name}' of region ${blob.region}: ` +
          `it lacks '${BLOB_DATA_ACTIONS.read}' over '${scope}'. Grant it with:\n` +
          `kiln role assignment create --assignee ${principalId} --role "Storage Blob Data Reader" --scope ${scope}`,
      );
    }
    if (response.status === 404 && response.headers.get('x-ms-error-code') === 'ResourceNotFound' && !signed) {
      throw new Error(
        `the blob '${blob.container}/${blob.name}' of region ${blob.region} is in a private container: give the template a user-assigned identity ` +
          `with Storage Blob Data Reader over '${scope}', use a SAS URL, or make the container public.`,
      );
    }
    return response;
  };
}
