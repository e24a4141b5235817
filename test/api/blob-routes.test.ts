/**
 * The blob data plane on its own, over an fs region store, driven by the official Azure SDK for the
 * SAS paths and by fetch for the bearer path and the failures. Tokens come from a stand-in verifier
 * that accepts one fixed token; the real token authority is tested with the identity domain.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AnonymousCredential, PageBlobClient, RestError } from '@azure/storage-blob';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import { signBlobAccess, type BlobPermissions } from '../../src/core/blob-sas.ts';
import { formatBlobUrl, userBlobKey } from '../../src/core/blob-url.ts';
import type { TokenVerifier } from '../../src/domain/identity/token-authority.ts';
import { registerBlobRoutes } from '../../src/http/routes/blob-routes.ts';
import { contentName } from '../support/disk-data.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';

const GOOD_TOKEN = 'good-storage-token';
const MANAGEMENT_TOKEN = 'good-management-token';
const tokens: TokenVerifier = {
  async verify(token) {
    const aud =
      token === GOOD_TOKEN
        ? 'https://storage.azure.com/'
        : token === MANAGEMENT_TOKEN
          ? 'https://management.azure.com/'
          : undefined;
    if (aud === undefined) return { ok: false, reason: 'The token is not one this test issued.' };
    return { ok: true, claims: { tid: 't', oid: 'o', appid: 'a', aud, exp: Date.now() / 1000 + 3600 } };
  },
};

const secret = Buffer.from('blob-routes-test-secret-0123456789');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function pattern(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13 + seed) & 0xff;
  return data;
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The Code and the named elements of an Azure Storage XML error. */
function parseError(xml: string): Record<string, string> {
  assert.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?><Error>.*<\/Error>$/s);
  return Object.fromEntries([...xml.matchAll(/<(\w+)>([^<]*)<\/\1>/g)].map(([, name, value]) => [name, value]));
}

describe('blob routes', () => {
  let app: FastifyInstance;
  let base: string;
  let dir: string;
  let store: BlobStore;
  // Identifiers of grants that ended: their SAS must stop working before expiry.
  const revoked = new Set<string>(['revoked-grant']);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kiln-blob-routes-'));
    const regions = createFsRegionStores([{ name: 'eastus', dir }]);
    store = regions.get('eastus')!;
    app = Fastify();
    // Role checks are the domain's (test/api/blob-access.test.ts); here the token's principal holds every role.
    const access = {
      holds: async () => true,
      principalExists: async () => true,
      acl: async () => ({}),
      setAcl: async () => ({}),
    };
    registerBlobRoutes(app, {
      regions,
      sasSecret: secret,
      grants: { isActive: async (_region, _key, identifier) => !revoked.has(identifier) },
      tokens,
      clock: { now: () => new Date() },
      access,
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sasUrl = (
    key: string,
    permissions: BlobPermissions,
    expiresOn = new Date(Date.now() + 3600_000),
    identifier = 'grant-1',
  ) =>
    `${formatBlobUrl(base, 'eastus', key)}?${signBlobAccess(secret, { region: 'eastus', key, permissions, expiresOn, identifier })}`;
  const newKey = () => `disks/${randomUUID()}/abcd.vhd`;

  async function expectError(response: Response, status: number, code: string): Promise<Record<string, string>> {
    const body = await response.text();
    assert.equal(response.status, status, body);
    assert.equal(response.headers.get('x-ms-error-code'), code);
    assert.match(response.headers.get('content-type') ?? '', /^application\/xml/);
    for (const name of ['x-ms-request-id', 'x-ms-version', 'date']) assert.ok(response.headers.get(name), name);
    const error = parseError(body);
    assert.equal(error.Code, code);
    assert.ok(error.Message.includes(`RequestId:${response.headers.get('x-ms-request-id')}`));
    return error;
  }

  it('takes a disk upload from the Azure SDK through a write SAS, then serves the sealed disk', async () => {
    const key = newKey();
    const size = 4 * 1024 * 1024 + 512;
    await store.createStaging(key, size);
    const expected = Buffer.alloc(size);
    const upload = new PageBlobClient(sasUrl(key, 'rw'), new AnonymousCredential());

    const first = pattern(1024 * 1024, 1);
    await upload.uploadPages(first, 0, first.length);
    first.copy(expected, 0);
    const last = pattern(512 * 3, 2);
    await upload.uploadPages(last, size - last.length, last.length);
    last.copy(expected, size - last.length);
    await upload.clearPages(512, 1024);
    expected.fill(0, 512, 1536);

    const staged = await upload.getProperties();
    assert.equal(staged.contentLength, size);
    assert.equal(staged.blobType, 'PageBlob');
    const part = await upload.download(size - 2048, 2048);
    assert.equal(part.contentRange, `bytes ${size - 2048}-${size - 1}/${size}`);
    assert.deepEqual(await readAll(part.readableStreamBody), expected.subarray(size - 2048));

    await store.seal(key);
    const download = new PageBlobClient(sasUrl(key, 'r'), new AnonymousCredential());
    const properties = await download.getProperties();
    assert.equal(properties.contentLength, size);
    assert.equal(properties.blobType, 'PageBlob');
    assert.equal(properties.metadata?.sha256, contentName(expected));
    assert.ok(properties.etag);
    assert.ok(properties.lastModified instanceof Date);
    assert.deepEqual(await readAll((await download.download()).readableStreamBody), expected);
    assert.deepEqual(
      await download.downloadToBuffer(0, undefined, { blockSize: 1024 * 1024, concurrency: 3 }),
      expected,
    );
    const middle = await download.download(1000, 5000);
    assert.equal(middle.contentLength, 5000);
    assert.deepEqual(await readAll(middle.readableStreamBody), expected.subarray(1000, 6000));
    assert.deepEqual(
      await readAll((await download.download(size - 10)).readableStreamBody),
      expected.subarray(size - 10),
    );
  });

  it('reports a missing blob to the SDK as BlobNotFound', async () => {
    const client = new PageBlobClient(sasUrl(newKey(), 'r'), new AnonymousCredential());
    await assert.rejects(client.download(), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'BlobNotFound');
      return true;
    });
    assert.equal(await client.exists(), false);
  });

  it('puts, reads, replaces and deletes a blob with a bearer token', async () => {
    const name = `${randomUUID()}/image.vhd`;
    const url = formatBlobUrl(base, 'eastus', `vhds/${name}`);
    // A bearer token reaches the user namespace only (core/blob-url.ts).
    const key = userBlobKey('vhds', name);
    const auth = { Authorization: `Bearer ${GOOD_TOKEN}`, 'x-ms-version': '2023-11-03' };
    const content = pattern(2048, 3);

    const put = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'x-ms-blob-type': 'PageBlob' },
      body: new Uint8Array(content),
    });
    assert.equal(put.status, 201, await put.text());
    assert.equal(put.headers.get('x-ms-version'), '2023-11-03');
    assert.equal((await store.stat(key))?.sha256, sha256(content));

    const head = await fetch(url, { method: 'HEAD', headers: auth });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '2048');
    assert.equal(head.headers.get('x-ms-blob-type'), 'PageBlob');
    assert.equal(head.headers.get('x-ms-meta-sha256'), sha256(content));
    assert.ok(head.headers.get('etag'));
    assert.ok(head.headers.get('last-modified'));

    const get = await fetch(url, { headers: auth });
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), content);
    const current = await fetch(url, { headers: { ...auth, 'If-Match': head.headers.get('etag')! } });
    assert.equal(current.status, 200);
    await current.arrayBuffer();
    await expectError(await fetch(url, { headers: { ...auth, 'If-Match': '"stale"' } }), 412, 'ConditionNotMet');
    const ranged = await fetch(url, { headers: { ...auth, Range: 'bytes=100-199' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 100-199/2048');
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), content.subarray(100, 200));

    // Any content type is blob content, never parsed.
    const replacement = Buffer.from('{ not json');
    const replace = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'application/json' },
      body: new Uint8Array(replacement),
    });
    assert.equal(replace.status, 201, await replace.text());
    assert.deepEqual(Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer()), replacement);

    const remove = await fetch(url, { method: 'DELETE', headers: auth });
    assert.equal(remove.status, 202);
    assert.equal(await store.stat(key), undefined);
    await expectError(await fetch(url, { headers: auth }), 404, 'BlobNotFound');
    await expectError(await fetch(url, { method: 'DELETE', headers: auth }), 404, 'BlobNotFound');
  });

  it('refuses an expired or tampered SAS, and one for another blob', async () => {
    const key = newKey();
    await store.put(key, Buffer.from('sealed'));
    const expired = await expectError(
      await fetch(sasUrl(key, 'r', new Date(Date.now() - 1000))),
      403,
      'AuthenticationFailed',
    );
    assert.match(expired.AuthenticationErrorDetail, /^Signed expiry time \[.*\] has to be after current time/);

    const tampered = new URL(sasUrl(key, 'r'));
    const sig = Buffer.from(tampered.searchParams.get('sig')!, 'base64');
    sig[0] ^= 1;
    tampered.searchParams.set('sig', sig.toString('base64'));
    const forged = await expectError(await fetch(tampered), 403, 'AuthenticationFailed');
    assert.equal(forged.AuthenticationErrorDetail, 'Signature did not match.');

    const widened = new URL(sasUrl(key, 'r'));
    widened.searchParams.set('sp', 'rw');
    await expectError(await fetch(widened), 403, 'AuthenticationFailed');

    const other = new URL(sasUrl(key, 'r'));
    other.pathname = other.pathname.replace('abcd.vhd', 'other.vhd');
    await expectError(await fetch(other), 403, 'AuthenticationFailed');

    const ended = await expectError(
      await fetch(sasUrl(key, 'r', undefined, 'revoked-grant')),
      403,
      'AuthenticationFailed',
    );
    assert.match(ended.AuthenticationErrorDetail, /has ended/);
  });

  it('refuses writes with a read SAS and sealed reads with a write SAS', async () => {
    const key = newKey();
    await store.put(key, Buffer.alloc(1024));
    const write = await fetch(`${sasUrl(key, 'r')}&comp=page`, {
      method: 'PUT',
      headers: { 'x-ms-page-write': 'update', 'x-ms-range': 'bytes=0-511' },
      body: new Uint8Array(512),
    });
    await expectError(write, 403, 'AuthorizationPermissionMismatch');
    await expectError(await fetch(sasUrl(key, 'rw')), 404, 'BlobNotFound');
  });

  it('refuses unaligned and out-of-range page writes as Azure does', async () => {
    const key = newKey();
    await store.createStaging(key, 4096);
    const putPage = (headers: Record<string, string>, body: Buffer) =>
      fetch(`${sasUrl(key, 'rw')}&comp=page`, {
        method: 'PUT',
        headers: { 'x-ms-page-write': 'update', 'Content-Type': 'application/octet-stream', ...headers },
        body: new Uint8Array(body),
      });
    const unaligned = await expectError(
      await putPage({ 'x-ms-range': 'bytes=1-512' }, Buffer.alloc(512)),
      400,
      'InvalidHeaderValue',
    );
    assert.deepEqual([unaligned.HeaderName, unaligned.HeaderValue], ['x-ms-range', 'bytes=1-512']);
    const shortPage = await expectError(
      await putPage({ Range: 'bytes=0-510' }, Buffer.alloc(511)),
      400,
      'InvalidHeaderValue',
    );
    assert.equal(shortPage.HeaderName, 'Range');
    await expectError(await putPage({ 'x-ms-range': 'bytes=4096-4607' }, Buffer.alloc(512)), 416, 'InvalidPageRange');
    const wrongLength = await expectError(
      await putPage({ 'x-ms-range': 'bytes=0-1023' }, Buffer.alloc(512)),
      400,
      'InvalidHeaderValue',
    );
    assert.equal(wrongLength.HeaderName, 'Content-Length');
    await expectError(
      await putPage({ 'x-ms-page-write': 'append', 'x-ms-range': 'bytes=0-511' }, Buffer.alloc(512)),
      400,
      'InvalidHeaderValue',
    );
    await expectError(await putPage({}, Buffer.alloc(512)), 400, 'MissingRequiredHeader');
    assert.ok((await putPage({ Range: 'bytes=512-1023' }, pattern(512, 9))).status === 201);
    assert.deepEqual(await readAll(store.readStaging(key, { start: 512, end: 1023 })), pattern(512, 9));
  });

  it('answers a read past the end with InvalidRange and the size', async () => {
    const key = newKey();
    await store.put(key, Buffer.alloc(1024));
    const response = await fetch(sasUrl(key, 'r'), { headers: { 'x-ms-range': 'bytes=1024-2047' } });
    await expectError(response, 416, 'InvalidRange');
    assert.equal(response.headers.get('content-range'), 'bytes */1024');
    await expectError(
      await fetch(sasUrl(key, 'r'), { headers: { 'x-ms-range': 'bytes=x-1' } }),
      400,
      'InvalidHeaderValue',
    );
  });

  it('refuses missing, wrong and non-storage bearer tokens', async () => {
    const url = formatBlobUrl(base, 'eastus', newKey());
    // No credentials: a read of a private container is not found, a write asks for a token.
    await expectError(await fetch(url), 404, 'ResourceNotFound');
    const none = await fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    await expectError(none, 401, 'NoAuthenticationInformation');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer resource_id=https://storage.azure.com');
    const wrong = await expectError(
      await fetch(url, { headers: { Authorization: 'Bearer nope' } }),
      401,
      'InvalidAuthenticationInfo',
    );
    assert.equal(wrong.AuthenticationErrorDetail, 'The token is not one this test issued.');
    await expectError(
      await fetch(url, { headers: { Authorization: `Bearer ${MANAGEMENT_TOKEN}` } }),
      401,
      'InvalidAuthenticationInfo',
    );
    const head = await fetch(url, { method: 'HEAD', headers: { Authorization: 'Bearer nope' } });
    assert.equal(head.status, 401);
    assert.equal(head.headers.get('x-ms-error-code'), 'InvalidAuthenticationInfo');
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('serves long keys with escaped characters', async () => {
    const key = `vhds/${'long-name-'.repeat(30)}/a b%c.vhd`;
    await store.put(key, Buffer.from('long'));
    const response = await fetch(sasUrl(key, 'r'));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'long');
  });

  it('refuses unknown regions, container-only paths and Put Blob without a blob type', async () => {
    const auth = { Authorization: `Bearer ${GOOD_TOKEN}` };
    await expectError(await fetch(`${base}/blob/mars/c/x.vhd`, { headers: auth }), 404, 'ResourceNotFound');
    await expectError(await fetch(`${base}/blob/eastus/container-only`, { headers: auth }), 400, 'InvalidUri');
    const url = formatBlobUrl(base, 'eastus', newKey());
    const untyped = await expectError(
      await fetch(url, { method: 'PUT', headers: auth, body: 'x' }),
      400,
      'MissingRequiredHeader',
    );
    assert.equal(untyped.HeaderName, 'x-ms-blob-type');
    const emptyPageBlob = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'x-ms-blob-type': 'PageBlob', 'x-ms-blob-content-length': '1024' },
    });
    await expectError(emptyPageBlob, 400, 'InvalidHeaderValue');
  });
});
