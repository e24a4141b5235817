// User delegation SAS through the official @azure/storage-blob client against a started server: a
// principal holding Storage Blob Data Reader gets a user delegation key (BlobServiceClient.
// getUserDelegationKey), signs a blob SAS with generateBlobSASQueryParameters, and anyone holding the
// URL downloads the blob, whole and by range, with no credentials of their own. A tampered signature,
// an expired SAS and a principal whose role went after the key was issued are refused with Azure's
// codes, and the SAS reads the user namespace only, and only reads.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  RestError,
  generateBlobSASQueryParameters,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { armCaller } from '../support/arm-call.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const storageRefusal = (status: number, code: string) => (error: unknown) => {
  assert.ok(error instanceof RestError, String(error));
  assert.equal(error.statusCode, status, error.message);
  assert.equal(error.code ?? (error.details as { errorCode?: string }).errorCode, code, error.message);
  return true;
};

const HOUR = 60 * 60 * 1000;

describe('user delegation SAS', () => {
  let kiln: TestServer;
  let reader: { credential: ClientSecretCredential; objectId: string };
  let nobody: ClientSecretCredential;
  const content = randomBytes(3 * 1024 * 1024 + 17);
  const account = () => new BlobServiceClient(`${kiln.url}/blob/westus`, reader.credential);
  const blobUrl = (name: string) => `${kiln.url}/blob/westus/outputs/${name}`;
  const sasFor = (
    key: UserDelegationKey,
    name: string,
    options: { expiresOn?: Date; permissions?: string; version?: string } = {},
  ) =>
    generateBlobSASQueryParameters(
      {
        version: options.version,
        containerName: 'outputs',
        blobName: name,
        permissions: BlobSASPermissions.parse(options.permissions ?? 'r'),
        expiresOn: options.expiresOn ?? new Date(Date.now() + HOUR),
      },
      key,
      'westus',
    ).toString();
  const anonymous = (url: string) => new BlockBlobClient(url, new AnonymousCredential());

  before(async () => {
    kiln = await startTestServer();
    const made = await kiln.server.kiln.createServicePrincipal('vhd-reader', {
      role: 'Storage Blob Data Reader',
      scopes: [`/subscriptions/${kiln.subscriptionId}`],
    });
    reader = {
      objectId: made.objectId,
      credential: new ClientSecretCredential(made.tenant, made.appId, made.password, {
        authorityHost: kiln.url,
        disableInstanceDiscovery: true,
      }),
    };
    const none = await kiln.server.kiln.createServicePrincipal('no-role');
    nobody = new ClientSecretCredential(none.tenant, none.appId, none.password, {
      authorityHost: kiln.url,
      disableInstanceDiscovery: true,
    });
    await new BlockBlobClient(blobUrl('disk.vhd'), kiln.credential).uploadData(content);
  });
  after(() => kiln?.stop());

  it('issues a key naming the caller, and a SAS signed with it downloads the blob, whole and by range', async () => {
    const start = new Date(Date.now() - 60_000);
    const key = await account().getUserDelegationKey(start, new Date(Date.now() + HOUR));
    assert.equal(key.signedObjectId, reader.objectId);
    assert.equal(key.signedTenantId, kiln.tenantId);
    assert.equal(key.signedService, 'b');
    assert.equal(key.signedStartsOn.toISOString(), new Date(Math.floor(start.getTime() / 1000) * 1000).toISOString());
    assert.match(key.value, /^[A-Za-z0-9+/]{43}=$/);

    const url = `${blobUrl('disk.vhd')}?${sasFor(key, 'disk.vhd')}`;
    assert.ok((await anonymous(url).downloadToBuffer()).equals(content));
    const range = await anonymous(url).download(1024 * 1024, 1000);
    assert.equal(range.contentRange, `bytes 1048576-1049575/${content.length}`);
    const bytes = Buffer.from(await new Response(range.readableStreamBody as unknown as ReadableStream).arrayBuffer());
    assert.ok(bytes.equals(content.subarray(1024 * 1024, 1024 * 1024 + 1000)));
    // Each string-to-sign Kiln knows: before 2025-07-05, with the delegated user's fields, with signed requests.
    for (const version of ['2021-08-06', '2025-07-05', '2026-04-06']) {
      const signed = `${blobUrl('disk.vhd')}?${sasFor(key, 'disk.vhd', { version })}`;
      assert.equal(new URL(signed).searchParams.get('sv'), version);
      assert.equal((await fetch(signed, { method: 'HEAD' })).status, 200, version);
    }
    // A plain fetch, as a browser following the link does.
    const fetched = await fetch(url, { headers: { range: 'bytes=0-511' } });
    assert.equal(fetched.status, 206);
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(content.subarray(0, 512)));
  });

  it('sets the response headers the SAS signs (rscd, rsct)', async () => {
    const key = await account().getUserDelegationKey(new Date(), new Date(Date.now() + HOUR));
    const sas = generateBlobSASQueryParameters(
      {
        containerName: 'outputs',
        blobName: 'disk.vhd',
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + HOUR),
        contentDisposition: 'attachment; filename="disk.vhd"',
        contentType: 'application/x-vhd',
      },
      key,
      'westus',
    ).toString();
    const response = await fetch(`${blobUrl('disk.vhd')}?${sas}`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="disk.vhd"');
    assert.equal(response.headers.get('content-type'), 'application/x-vhd');
  });

  it('refuses a tampered signature, another blob, an expired SAS and writes, with Azure codes', async () => {
    const key = await account().getUserDelegationKey(new Date(), new Date(Date.now() + HOUR));
    const sas = new URLSearchParams(sasFor(key, 'disk.vhd'));
    const sig = Buffer.from(sas.get('sig')!, 'base64');
    sig[0] ^= 1;
    sas.set('sig', sig.toString('base64'));
    await assert.rejects(
      anonymous(`${blobUrl('disk.vhd')}?${sas}`).downloadToBuffer(),
      storageRefusal(403, 'AuthenticationFailed'),
    );
    // Signed for one blob, used on another.
    await new BlockBlobClient(blobUrl('other.vhd'), kiln.credential).uploadData(Buffer.from('other'));
    await assert.rejects(
      anonymous(`${blobUrl('other.vhd')}?${sasFor(key, 'disk.vhd')}`).downloadToBuffer(),
      storageRefusal(403, 'AuthenticationFailed'),
    );
    // Widening the permissions in the URL breaks the signature.
    const widened = new URLSearchParams(sasFor(key, 'disk.vhd'));
    widened.set('sp', 'rw');
    await assert.rejects(
      anonymous(`${blobUrl('disk.vhd')}?${widened}`).upload('x', 1),
      storageRefusal(403, 'AuthenticationFailed'),
    );
    const expired = await fetch(
      `${blobUrl('disk.vhd')}?${sasFor(key, 'disk.vhd', { expiresOn: new Date(Date.now() - 60_000) })}`,
    );
    assert.equal(expired.status, 403);
    assert.equal(expired.headers.get('x-ms-error-code'), 'AuthenticationFailed');
    assert.match(await expired.text(), /Signed expiry time \[.*\] has to be after current time/);
    // A write SAS signs, but Kiln honours only reads, and the principal may only read anyway.
    await assert.rejects(
      anonymous(`${blobUrl('new.vhd')}?${sasFor(key, 'new.vhd', { permissions: 'rw' })}`).upload('x', 1),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
  });

  it('reads user blobs only: a SAS never names a key outside the user namespace', async () => {
    const key = await account().getUserDelegationKey(new Date(), new Date(Date.now() + HOUR));
    // `$user` is no container name: the path is refused before any key is looked up.
    const inside = `${kiln.url}/blob/westus/$user/outputs/disk.vhd`;
    const response = await fetch(`${inside}?${sasFor(key, 'disk.vhd')}`);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-ms-error-code'), 'InvalidResourceName');
  });

  it('issues keys only to storage tokens whose principal may, for at most 7 days', async () => {
    await assert.rejects(
      new BlobServiceClient(`${kiln.url}/blob/westus`, nobody).getUserDelegationKey(
        new Date(),
        new Date(Date.now() + HOUR),
      ),
      storageRefusal(403, 'AuthorizationPermissionMismatch'),
    );
    await assert.rejects(
      account().getUserDelegationKey(new Date(), new Date(Date.now() + 8 * 24 * HOUR)),
      storageRefusal(400, 'InvalidXmlNodeValue'),
    );
    await assert.rejects(
      new BlobServiceClient(`${kiln.url}/blob/westus`, new AnonymousCredential()).getUserDelegationKey(
        new Date(),
        new Date(Date.now() + HOUR),
      ),
      storageRefusal(401, 'NoAuthenticationInformation'),
    );
    // An ARM token is not a storage token.
    const arm = (await reader.credential.getToken('https://management.azure.com/.default'))!.token;
    const refused = await fetch(`${kiln.url}/blob/westus/?restype=service&comp=userdelegationkey`, {
      method: 'POST',
      headers: { authorization: `Bearer ${arm}`, 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="utf-8"?><KeyInfo><Expiry>2099-01-01T00:00:00Z</Expiry></KeyInfo>',
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('x-ms-error-code'), 'InvalidAuthenticationInfo');
  });

  it("stops a SAS once its signer's role is removed, though the key has not expired", async () => {
    const key = await account().getUserDelegationKey(new Date(), new Date(Date.now() + HOUR));
    const url = `${blobUrl('disk.vhd')}?${sasFor(key, 'disk.vhd')}`;
    assert.equal((await fetch(url, { method: 'HEAD' })).status, 200);

    const arm = armCaller(kiln, '2022-04-01');
    const admin = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const filter = encodeURIComponent(`principalId eq '${reader.objectId}'`);
    const listed = await arm(
      admin,
      'GET',
      `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/roleAssignments?$filter=${filter}`,
    );
    assert.equal(listed.status, 200);
    assert.equal(listed.body.value.length, 1);
    assert.equal((await arm(admin, 'DELETE', listed.body.value[0].id)).status, 200);

    await assert.rejects(anonymous(url).downloadToBuffer(), storageRefusal(403, 'AuthorizationPermissionMismatch'));
  });
});
