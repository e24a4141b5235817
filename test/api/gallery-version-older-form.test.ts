// Gallery image versions at GalleryRP 2018-06-01 and 2019-03-01, whose models name a version's source
// in properties.publishingProfile.source.managedImage.id (storageProfile read-only), where 2019-07-01
// and later name it in properties.storageProfile.source (issue 18): a PUT in the older form makes the
// version, each version's GET answers in its own form, what the older form cannot say is refused naming
// its path, and a GET's answer written back is taken. Raw HTTPS (no installed SDK speaks these versions).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('gallery image versions in the older form of 2018-06-01 and 2019-03-01', () => {
  let kiln: TestServer;
  let call: ArmCall;
  let token: string;
  let group: string;
  let imageId: string;
  let blobUri: string;
  const definition = () => `${group}/providers/Microsoft.Compute/galleries/older/images/linux`;

  before(async () => {
    kiln = await startTestServer();
    call = armCaller(kiln, '2019-03-01');
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/older`;
    assert.equal((await call(token, 'PUT', `${group}?api-version=2021-04-01`, { location: 'westus' })).status, 201);
    blobUri = await putRegionBlob(kiln, 'westus', 'vhds/older.vhd', makeVhd(8, 'older'));
    const image = await call(token, 'PUT', `${group}/providers/Microsoft.Compute/images/base?api-version=2019-03-01`, {
      location: 'westus',
      properties: { storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } } },
    });
    assert.ok(image.status < 300, JSON.stringify(image.body));
    imageId = image.body.id;
    await call(token, 'PUT', `${group}/providers/Microsoft.Compute/galleries/older`, { location: 'westus' });
    const made = await call(token, 'PUT', definition(), {
      location: 'westus',
      properties: { osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku: 's' } },
    });
    assert.ok(made.status < 300, JSON.stringify(made.body));
  });
  after(() => kiln.stop());

  /** The version's GET at `apiVersion` once it is no longer Creating. */
  async function settled(path: string, apiVersion: string) {
    for (let i = 0; ; i++) {
      const read = await call(token, 'GET', `${path}?api-version=${apiVersion}`);
      if (read.body?.properties?.provisioningState !== 'Creating' || i > 200) return read;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  for (const apiVersion of ['2018-06-01', '2019-03-01'])
    it(`makes a version from publishingProfile.source at ${apiVersion} and answers each version in its own form`, async () => {
      const path = `${definition()}/versions/${apiVersion === '2018-06-01' ? '1.0.0' : '1.0.1'}`;
      const made = await call(token, 'PUT', `${path}?api-version=${apiVersion}`, {
        location: 'westus',
        properties: {
          publishingProfile: {
            source: { managedImage: { id: imageId } },
            targetRegions: [{ name: 'westus', regionalReplicaCount: 1 }],
          },
        },
      });
      assert.ok([200, 201].includes(made.status), JSON.stringify(made.body));
      assert.deepEqual(made.body.properties.publishingProfile.source, { managedImage: { id: imageId } });
      assert.equal(made.body.properties.storageProfile?.source, undefined);

      const old = (await settled(path, apiVersion)).body;
      assert.equal(old.properties.provisioningState, 'Succeeded', JSON.stringify(old));
      assert.deepEqual(old.properties.publishingProfile.source, { managedImage: { id: imageId } });
      assert.equal(old.properties.storageProfile.source, undefined);
      assert.equal(old.properties.storageProfile.osDiskImage.sizeInGB, 1);
      assert.equal(old.properties.publishingProfile.targetRegions[0].name, 'West US');

      // Stored once: 2019-07-01 and the newest name the same source in storageProfile.source only.
      for (const newer of ['2019-07-01', '2025-03-03']) {
        const read = (await call(token, 'GET', `${path}?api-version=${newer}`)).body;
        assert.equal(read.properties.storageProfile.source.id, imageId, newer);
        assert.equal(read.properties.publishingProfile.source, undefined, newer);
      }
      const listed = await call(token, 'GET', `${definition()}/versions?api-version=${apiVersion}`);
      const inList = listed.body.value.find((v: { id: string }) => v.id === old.id);
      assert.deepEqual(inList.properties.publishingProfile.source, { managedImage: { id: imageId } });

      // What a GET answered, written back (read-only storageProfile included), repeats the version.
      const again = await call(token, 'PUT', `${path}?api-version=${apiVersion}`, old);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(again.body.properties.publishingProfile.source, { managedImage: { id: imageId } });
      const patched = await call(token, 'PATCH', `${path}?api-version=${apiVersion}`, {
        tags: { older: 'yes' },
        properties: { publishingProfile: { source: { managedImage: { id: imageId } } } },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.tags.older, 'yes');
    });

  it('refuses what the older form cannot say, naming its path', async () => {
    const path = `${definition()}/versions/2.0.0?api-version=2019-03-01`;
    const refusal = async (body: unknown, target: string, message?: RegExp, status = 400) => {
      const answer = await call(token, 'PUT', path, body);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      const targets = [
        answer.body.error.target,
        ...(answer.body.error.details ?? []).map((d: { target: string }) => d.target),
      ];
      assert.ok(targets.includes(target), `${target} in ${JSON.stringify(answer.body)}`);
      if (message) assert.match(answer.body.error.message, message);
    };
    // The model requires a source, and its only kind is a managed image.
    await refusal({ location: 'westus', properties: { publishingProfile: {} } }, 'properties.publishingProfile.source');
    const snapshot = `${group}/providers/Microsoft.Compute/snapshots/snap`;
    await refusal(
      { location: 'westus', properties: { publishingProfile: { source: { managedImage: { id: snapshot } } } } },
      'properties.publishingProfile.source.managedImage.id',
      /managed image .*2019-07-01/,
    );
    // A managed image that does not exist is named where the older form names it.
    await refusal(
      {
        location: 'westus',
        properties: {
          publishingProfile: {
            source: { managedImage: { id: `${group}/providers/Microsoft.Compute/images/missing` } },
          },
        },
      },
      'properties.publishingProfile.source.managedImage.id',
      /missing/,
      404,
    );
    // The newer form is not in these models (refused as a member added in 2019-07-01).
    await refusal(
      {
        location: 'westus',
        properties: { publishingProfile: {}, storageProfile: { osDiskImage: { source: { uri: blobUri } } } },
      },
      'properties.storageProfile.osDiskImage.source.uri',
      /2019-07-01/,
    );
    // And the older form is not in the newer models: refused, never dropped.
    const newer = await call(token, 'PUT', `${definition()}/versions/2.0.0?api-version=2019-07-01`, {
      location: 'westus',
      properties: {
        publishingProfile: { source: { managedImage: { id: imageId } } },
        storageProfile: { source: { id: imageId } },
      },
    });
    assert.equal(newer.status, 400, JSON.stringify(newer.body));
    assert.equal(newer.body.error.target, 'properties.publishingProfile.source');
    assert.equal((await call(token, 'GET', `${definition()}/versions/2.0.0`)).status, 404, 'nothing made');
  });
});
