// Issue 10, points 5 and 7, attacked through a started server:
//  - `..` (raw or percent-encoded) after the region in a blob URL used to be authorized as one region
//    and served from another, even anonymously through a public container;
//  - a Storage Blob Data Contributor could read, overwrite and delete what backs resources (a managed
//    disk's bytes, an image's, a gallery version's replica chunks) through the blob API.
// Paths go on the wire exactly as written (raw-https.ts): fetch and URL would normalise them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { AnonymousCredential, BlobClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINER_NAME, USER_BLOB_ROOT } from '../../src/core/blob-url.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { contentName, makeVhd, putRegionBlob, sha256 } from '../support/disk-data.ts';
import { rawRequest, type RawResponse } from '../support/raw-https.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const fast = { updateIntervalInMs: 50 };
const DOTS = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '.%2E'];

function assertStorageError(response: RawResponse, status: number, code: string) {
  assert.equal(response.status, status, response.body);
  assert.equal(response.headers['x-ms-error-code'], code, response.body);
  if (response.body !== '') assert.match(response.body, new RegExp(`<Error><Code>${code}</Code>`));
}

describe('blob namespace: a blob URL reaches exactly the blob it names, and never what backs a resource', () => {
  let kiln: TestServer;
  let account: (region: string) => string;
  const tokens: Record<string, string> = {};
  const store = (region: string): BlobStore => kiln.server.kiln.domain.regions.get(region)!;
  const blob = (method: string, path: string, token?: string, body?: string) =>
    rawRequest(kiln.url, method, path, {
      headers: {
        'x-ms-version': '2023-11-03',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined
          ? { 'x-ms-blob-type': 'BlockBlob', 'content-length': String(Buffer.byteLength(body)) }
          : {}),
      },
      body,
    });

  before(async () => {
    kiln = await startTestServer({ lroWaitMs: 200 });
    account = (region) =>
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/kiln-storage/providers/Microsoft.Storage/storageAccounts/${region}`;
    const principal = async (name: string, role: string, scope: string) => {
      const created = await kiln.server.kiln.createServicePrincipal(name, { role, scopes: [scope] });
      const credential = new ClientSecretCredential(created.tenant, created.appId, created.password, {
        authorityHost: kiln.url,
        disableInstanceDiscovery: true,
      });
      tokens[name] = (await credential.getToken('https://storage.azure.com/.default'))!.token;
    };
    await principal('westReader', 'Storage Blob Data Reader', account('westus'));
    await principal('westWriter', 'Storage Blob Data Contributor', account('westus'));
    await principal('subscriptionWriter', 'Storage Blob Data Contributor', `/subscriptions/${kiln.subscriptionId}`);

    // Same names in both regions; eastus keeps them private, westus makes `public` readable by anyone.
    await putRegionBlob(kiln, 'eastus', 'vault/secret', Buffer.from('east secret'));
    await putRegionBlob(kiln, 'eastus', 'public/x', Buffer.from('east private'));
    await putRegionBlob(kiln, 'westus', 'vault/secret', Buffer.from('west'));
    await putRegionBlob(kiln, 'westus', 'public/x', Buffer.from('west public'));
    await new ContainerClient(`${kiln.url}/blob/westus/public`, kiln.credential).setAccessPolicy('blob');
  });
  after(() => kiln?.stop());

  it('refuses dot segments after the region, raw or percent-encoded, with 400 InvalidUri, for every caller and method', async () => {
    for (const dots of DOTS) {
      // Read as a westus reader, served from eastus: that was the hole.
      const read = await blob('GET', `/blob/eastus/${dots}/westus/vault/secret`, tokens.westReader);
      assertStorageError(read, 400, 'InvalidUri');
      assert.doesNotMatch(read.body, /east secret/);
      // Anonymously, through westus's public container.
      const anonymous = await blob('GET', `/blob/eastus/${dots}/westus/public/x`);
      assertStorageError(anonymous, 400, 'InvalidUri');
      assert.doesNotMatch(anonymous.body, /east private/);
      // A westus writer planting a blob in eastus.
      assertStorageError(
        await blob('PUT', `/blob/eastus/${dots}/westus/vault/planted`, tokens.westWriter, 'planted'),
        400,
        'InvalidUri',
      );
      assertStorageError(
        await blob('DELETE', `/blob/eastus/${dots}/westus/vault/secret`, tokens.westWriter),
        400,
        'InvalidUri',
      );
      // And a container's ACL.
      const acl = await rawRequest(kiln.url, 'PUT', `/blob/eastus/${dots}/westus/vault?restype=container&comp=acl`, {
        headers: {
          authorization: `Bearer ${tokens.westWriter}`,
          'x-ms-blob-public-access': 'container',
          'content-length': '0',
        },
      });
      assertStorageError(acl, 400, 'InvalidUri');
    }
    // Dots further in, and the other ambiguous forms, are refused as well.
    for (const path of [
      '/blob/westus/vault/../public/x',
      '/blob/westus/vault/%2e%2e/public/x',
      '/blob/westus/vault/a%2fb',
      '/blob/westus/vault\\..\\public/x',
      '/blob/westus//vault/secret',
    ]) {
      assertStorageError(await blob('GET', path, tokens.westReader), 400, 'InvalidUri');
    }
    assert.equal(await store('eastus').stat('$user/vault/planted'), undefined);
    assert.equal((await store('eastus').stat('$user/vault/secret'))?.size, 'east secret'.length);
    // eastus's containers are still private.
    assertStorageError(await blob('GET', '/blob/eastus/public/x'), 404, 'ResourceNotFound');
    // The plain paths still work as their own region's.
    assert.equal((await blob('GET', '/blob/westus/public/x')).body, 'west public');
    assert.equal((await blob('GET', '/blob/westus/vault/secret', tokens.westReader)).body, 'west');
  });

  it("keeps a disk's, an image's and a gallery version's blobs out of reach of a subscription's Storage Blob Data Contributor", async () => {
    const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate('owned', { location: 'westus' });
    const vhd = makeVhd(1, 'namespace');
    const sourceUri = await putRegionBlob(kiln, 'westus', 'vhds/namespace.vhd', vhd);
    const disk = await compute.disks.beginCreateOrUpdateAndWait(
      'owned',
      'os',
      { location: 'westus', osType: 'Linux', creationData: { createOption: 'Import', sourceUri } },
      fast,
    );
    const image = await compute.images.beginCreateOrUpdateAndWait(
      'owned',
      'base',
      {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: disk.id } } },
      },
      fast,
    );
    await compute.galleries.beginCreateOrUpdateAndWait('owned', 'g', { location: 'westus' }, fast);
    await compute.galleryImages.beginCreateOrUpdateAndWait(
      'owned',
      'g',
      'def',
      {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'kiln', offer: 'ns', sku: '1' },
      },
      fast,
    );
    await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      'owned',
      'g',
      'def',
      '1.0.0',
      { location: 'westus', storageProfile: { source: { id: image.id } } },
      fast,
    );

    // Every blob Kiln itself holds in the region, whatever its kind: none may be reachable.
    const internal = (await store('westus').list('')).filter((b) => !b.key.startsWith(USER_BLOB_ROOT));
    for (const root of ['disks/', 'images/', 'replicas/'])
      assert.ok(
        internal.some((b) => b.key.startsWith(root)),
        `no ${root} blob to attack`,
      );
    const diskKey = `disks/${disk.uniqueId}.vhd`;
    assert.equal((await store('westus').stat(diskKey))?.sha256, contentName(vhd));

    // Keys outside any valid container name (Kiln's own markers) cannot even be named by a URL.
    const [named, unnameable] = [
      internal.filter((b) => CONTAINER_NAME.test(b.key.split('/')[0])),
      internal.filter((b) => !CONTAINER_NAME.test(b.key.split('/')[0])),
    ];
    for (const { key } of unnameable) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        assertStorageError(
          await blob(
            method,
            `/blob/westus/${key}`,
            tokens.subscriptionWriter,
            method === 'PUT' ? 'overwritten' : undefined,
          ),
          400,
          'InvalidResourceName',
        );
      }
    }
    const containers = [...new Set(named.map((b) => b.key.split('/')[0]))];
    for (const container of containers) {
      // Making a container of that name public opens the user's container, nothing of Kiln's.
      const acl = await rawRequest(kiln.url, 'PUT', `/blob/westus/${container}?restype=container&comp=acl`, {
        headers: {
          authorization: `Bearer ${tokens.subscriptionWriter}`,
          'x-ms-blob-public-access': 'container',
          'content-length': '0',
        },
      });
      assert.equal(acl.status, 200, acl.body);
    }
    for (const { key, sha256: before } of named) {
      const path = `/blob/westus/${key}`;
      assertStorageError(await blob('GET', path, tokens.subscriptionWriter), 404, 'BlobNotFound');
      assertStorageError(await blob('GET', path), 404, 'BlobNotFound');
      assertStorageError(await blob('DELETE', path, tokens.subscriptionWriter), 404, 'BlobNotFound');
      const overwrite = await blob('PUT', path, tokens.subscriptionWriter, 'overwritten');
      // The write lands in the caller's own container of that name, not on Kiln's blob.
      assert.equal(overwrite.status, 201, overwrite.body);
      assert.equal((await store('westus').stat(key))?.sha256, before, `${key} changed`);
    }

    // The disk's own bytes are unchanged, and its read SAS, the way Kiln hands them out, still works.
    const access = await compute.disks.beginGrantAccessAndWait(
      'owned',
      'os',
      { access: 'Read', durationInSeconds: 600 },
      fast,
    );
    const downloaded = await new BlobClient(access.accessSAS!, new AnonymousCredential()).downloadToBuffer();
    assert.equal(sha256(downloaded), sha256(vhd));
    await compute.disks.beginRevokeAccessAndWait('owned', 'os', fast);
    // Its SAS URL without the signature is the user blob the attacker wrote, not the disk.
    const unsigned = new URL(access.accessSAS!);
    assert.equal((await blob('GET', unsigned.pathname, tokens.subscriptionWriter)).body, 'overwritten');
  });
});
