// Issue 18's rule for gallery image definitions, checked by walking the spec's model
// (test/api/spec-models/GalleryRP-2025-03-03-gallery-image.json, read by test/support/openapi-walk.ts)
// at its own api-version, the Azure CLI 2.45's and the newest SDK's: every property a client may
// write comes back from a PUT of a new definition with the value sent, or is refused with a 4xx
// naming its path. Each probe's definition has an identifier of its own (a gallery's identifiers are
// unique); a probe of one part of a purchase plan or a feature gets the other parts (the model marks
// none required; Kiln wants them). DEPARTURES lists what Kiln does otherwise today, with why; the
// test fails on a new departure and on one that is gone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { armCaller } from '../support/arm-call.ts';
import { walkModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ALLOW_UPDATE =
  "a request's flag, not stored: Azure's own GalleryImage_UpdateFeatures example answers without it; Kiln reads it to allow the V1 to V2 upgrade";

/** Probe (path = value) to why Kiln departs from the rule there. */
const DEPARTURES: Record<string, string> = {
  'properties.allowUpdateImage = true': ALLOW_UPDATE,
  'properties.allowUpdateImage = false': ALLOW_UPDATE,
};

describe('gallery image definitions: every writable property of the 2025-03-03 model', () => {
  let kiln: TestServer;

  before(async () => {
    kiln = await startTestServer();
    const sub = kiln.subscriptionId;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    await new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url }).galleries.createOrUpdate(
      'walk',
      'shelf',
      { location: 'westus' },
    );
  });
  after(() => kiln.stop());

  // The model's own api-version, the Azure CLI 2.45's and the newest SDK's: Kiln answers each alike.
  for (const apiVersion of ['2025-03-03', '2022-03-03', '2025-12-03'])
    it(`stores and returns each property, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
      const model = JSON.parse(
        await readFile(join(import.meta.dirname, 'spec-models', 'GalleryRP-2025-03-03-gallery-image.json'), 'utf8'),
      );
      const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
      const arm = armCaller(kiln, apiVersion);
      const gallery = `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk/providers/Microsoft.Compute/galleries/shelf`;
      const result = await walkModel({
        definitions: model.definitions,
        root: 'GalleryImage',
        base: (n) => ({
          location: 'westus',
          properties: {
            osType: 'Linux',
            osState: 'Generalized',
            identifier: { publisher: 'walk', offer: `probes-${apiVersion}`, sku: `${apiVersion}-${n}` },
          },
        }),
        strings: (path) => (path === 'location' ? 'westus' : undefined),
        // A purchase plan and a feature are whole only with all their parts: a probe of one part gets the others.
        prepare: (body, path) => {
          if (path.startsWith('properties.purchasePlan.'))
            body.properties.purchasePlan = { name: 'plan', publisher: 'walk', product: 'probes' };
        },
        newItem: () => ({ name: 'DiskControllerTypes', value: 'SCSI' }),
        put: (n, body) => arm(token, 'PUT', `${gallery}/images/${apiVersion}-${n}`, body),
      });
      t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
      assert.deepEqual(
        Object.keys(result.departures).sort(),
        Object.keys(apiVersion < '2025-03-03' ? {} : DEPARTURES).sort(), // allowUpdateImage came in 2025-03-03: refused before
        JSON.stringify(result.departures, null, 2),
      );
    });
});
