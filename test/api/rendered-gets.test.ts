// GET of a resource whose answer is its stored record's resource (galleries, image definitions,
// images, managed identities) is kept rendered and given again while the record's etag is unchanged
// (http/arm/rendered-records.ts): the kept answer is the full read's, byte for byte, and any change
// to the record shows on the next call, whoever made it: this server (PATCH), another process on the
// same store (a second SQLite connection, as another `kiln serve` has), or a delete (404 at once).
import { ComputeManagementClient } from '@azure/arm-compute';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { resourceKey } from '../../src/core/resource-id.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const API = 'api-version=2023-07-03';
const GROUP = 'rendered';
const fast = { updateIntervalInMs: 50 };

describe('GETs answered from rendered records', () => {
  let kiln: TestServer;
  let other: MetadataStore;
  let token: string;
  let definition: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kiln.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return {
      status: response.status,
      etag: response.headers.get('etag'),
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };
  const tagsOf = (text: string) => (JSON.parse(text) as { tags?: Record<string, string> }).tags;
  /** What another process on the store does: the definition's record written again with `tags`. */
  const retagElsewhere = async (tags: Record<string, string>) => {
    const key = resourceKey(definition);
    const record = (await other.get<{ resource: { tags?: Record<string, string> } }>(key))!;
    const resource = { ...record.data.resource, tags };
    await other.apply([
      { op: 'put', record: { ...record, data: { ...record.data, resource } }, expect: { etag: record.etag } },
    ]);
  };

  before(async () => {
    kiln = await startTestServer();
    other = await openSqliteMetadataStore(join(kiln.dataDir, 'kiln.db'));
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    assert.equal(
      (
        await call('PUT', `/subscriptions/${kiln.subscriptionId}/resourceGroups/${GROUP}?api-version=2022-09-01`, {
          location: 'westus',
        })
      ).status,
      201,
    );
    await compute.galleries.beginCreateOrUpdateAndWait(GROUP, 'g', { location: 'westus' }, fast);
    const made = await compute.galleryImages.beginCreateOrUpdateAndWait(
      GROUP,
      'g',
      'def',
      {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'p', offer: 'o', sku: 's' },
      },
      fast,
    );
    definition = made.id!;
  });
  after(async () => {
    await other.close();
    await kiln.stop();
  });

  it('answers a kept GET as the full read did: status, body, ETag and content type', async () => {
    const first = await call('GET', `${definition}?${API}`);
    assert.equal(first.status, 200, first.text);
    assert.equal(JSON.parse(first.text).id, definition);
    for (let i = 0; i < 3; i += 1) assert.deepEqual(await call('GET', `${definition}?${API}`), first);
    // The path's case and slashes do not matter to ARM, nor to which record is answered.
    assert.deepEqual(
      await call('GET', `${definition.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/?${API}`),
      first,
    );
    assert.equal((await call('HEAD', `${definition}?${API}`)).status, 204);
  });

  it('shows a change made through this server on the next GET', async () => {
    const before = await call('GET', `${definition}?${API}`);
    const patched = await call('PATCH', `${definition}?${API}`, { tags: { stage: 'patched' } });
    assert.equal(patched.status, 200, patched.text);
    const after = await call('GET', `${definition}?${API}`);
    assert.deepEqual(tagsOf(after.text), { stage: 'patched' });
    assert.notEqual(after.etag, before.etag);
    assert.equal(after.etag, patched.etag);
  });

  it('shows a change another process made on the next GET, with no time to wait', async () => {
    await call('GET', `${definition}?${API}`);
    await retagElsewhere({ stage: 'elsewhere' });
    const after = await call('GET', `${definition}?${API}`);
    assert.deepEqual(tagsOf(after.text), { stage: 'elsewhere' });
    assert.equal(after.etag, `"${(await other.get(resourceKey(definition)))!.etag}"`);
  });

  it('answers 404 at once for a kept resource another process deleted', async () => {
    const gallery = definition.replace(/\/images\/def$/, '');
    assert.equal((await call('GET', `${gallery}?${API}`)).status, 200);
    assert.equal((await call('GET', `${gallery}?${API}`)).status, 200);
    await other.apply([
      { op: 'delete', key: resourceKey(definition) },
      { op: 'delete', key: resourceKey(gallery) },
    ]);
    const gone = await call('GET', `${gallery}?${API}`);
    assert.equal(gone.status, 404);
    assert.equal(JSON.parse(gone.text).error.code, 'ResourceNotFound');
    assert.equal((await call('GET', `${definition}?${API}`)).status, 404);
    assert.equal((await call('HEAD', `${definition}?${API}`)).status, 404);
  });
});
