// Who may use Kiln's blob URLs, through the official @azure/storage-blob client against a started
// server: bearer tokens need the Storage Blob Data roles at a scope covering the blob's container
// (Owner is not enough, as in Azure), and anonymous reads work only in a container made public with
// Set Container ACL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { AnonymousCredential, BlockBlobClient, ContainerClient, RestError } from '@azure/storage-blob';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** The SDK's RestError for a Storage failure; a HEAD (a download's first request) has no body, so its code is in `details`, as against Azure. */
const storageRefusal = (status: number, code: string) => (error: unknown) => {
  assert.ok(error instanceof RestError, String(error));
  assert.equal(error.statusCode, status, error.message);
  assert.equal(error.code ?? (error.details as { errorCode?: string }).errorCode, code, error.message);
  return true;
};

describe('blob access', () => {
  let kiln: TestServer;
  let account: string;
  const as: Record<string, ClientSecretCredential> = {};
  const containerUrl = (container: string) => `${kiln.url}/blob/westus/${container}`;
  const blob = (container: string, name: string, credential: ClientSecretCredential | AnonymousCredential) =>
    new BlockBlobClient(`${containerUrl(container)}/${name}`, credential);
  const text = async (client: BlockBlobClient) => (await client.downloadToBuffer()).toString();

  before(async () => {
    kiln = await startTestServer();
    account = `/subscriptions/${kiln.subscriptionId}/resourceGroups/kiln-storage/providers/Microsoft.Storage/storageAccounts/westus`;
    const principal = async (name: string, role?: string, scope?: string) => {
      const created = await kiln.server.kiln.createServicePrincipal(
        name,
        role ? { role, scopes: [scope!] } : undefined,
      );
      as[name] = new ClientSecretCredential(created.tenant, created.appId, created.password, {
        authorityHost: kiln.url,
        disableInstanceDiscovery: true,
      });
    };
    await principal('reader', 'Storage Blob Data Reader', `${account}/blobServices/default/containers/scripts`);
    await principal('contributor', 'Storage Blob Data Contributor', account);
    await principal('owner', 'Owner', `/subscriptions/${kiln.subscriptionId}`);
    await principal('nobody');
  });
  after(() => kiln.stop());

  it('lets the administrator (Storage Blob Data Contributor at the subscription) write and read', async () => {
    const client = blob('scripts', 'setup.sh', kiln.credential);
    await client.upload('echo hello', 10);
    assert.equal(await text(client), 'echo hello');
  });

  it('lets a reader read and not write, a contributor write, and nobody else in', async () => {
    assert.equal(await text(blob('scripts', 'setup.sh', as.reader)), 'echo hello');
    await assert.rejects(
      blob('scripts', 'mine.sh', as.reader).upload('x', 1),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
    await blob('scripts', 'mine.sh', as.contributor).upload('from contributor', 16);
    assert.equal(await text(blob('scripts', 'mine.sh', as.reader)), 'from contributor');
    await blob('scripts', 'mine.sh', as.contributor).delete();

    // The reader's role is on the scripts container only.
    await blob('other', 'data.bin', kiln.credential).upload('other', 5);
    await assert.rejects(
      text(blob('other', 'data.bin', as.reader)),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
    // Owner holds no data actions, as in Azure; no role, nothing.
    await assert.rejects(
      text(blob('scripts', 'setup.sh', as.owner)),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
    await assert.rejects(
      text(blob('scripts', 'setup.sh', as.nobody)),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
  });

  it('serves anonymous reads only from a container made public, as Set Container ACL says', async () => {
    const anonymous = blob('scripts', 'setup.sh', new AnonymousCredential());
    await assert.rejects(text(anonymous), storageRefusal(404, 'ResourceNotFound'));
    await assert.rejects(anonymous.upload('x', 1), storageRefusal(401, 'NoAuthenticationInformation'));

    await assert.rejects(
      new ContainerClient(containerUrl('scripts'), as.reader).setAccessPolicy('blob'),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
    await new ContainerClient(containerUrl('scripts'), as.contributor).setAccessPolicy('blob');
    const policy = await new ContainerClient(containerUrl('scripts'), as.reader).getAccessPolicy();
    assert.equal(policy.blobPublicAccess, 'blob');
    assert.deepEqual(policy.signedIdentifiers, []);
    assert.equal(await text(anonymous), 'echo hello');
    await assert.rejects(
      text(blob('scripts', 'missing.sh', new AnonymousCredential())),
      storageRefusal(404, 'BlobNotFound'),
    );
    // Public is for reading: writing still takes a token.
    await assert.rejects(
      blob('scripts', 'anon.sh', new AnonymousCredential()).upload('x', 1),
      storageRefusal(401, 'NoAuthenticationInformation'),
    );
    // Other containers stay private.
    await assert.rejects(
      text(blob('other', 'data.bin', new AnonymousCredential())),
      storageRefusal(404, 'ResourceNotFound'),
    );

    await new ContainerClient(containerUrl('scripts'), kiln.credential).setAccessPolicy();
    assert.equal(
      (await new ContainerClient(containerUrl('scripts'), kiln.credential).getAccessPolicy()).blobPublicAccess,
      undefined,
    );
    await assert.rejects(text(anonymous), storageRefusal(404, 'ResourceNotFound'));
  });
});
