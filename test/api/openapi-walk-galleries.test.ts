// Issue 18's rule for galleries, checked by walking the spec's model
// (test/api/spec-models/GalleryRP-2025-03-03-gallery.json, read by test/support/openapi-walk.ts) at its
// own api-version, the Azure CLI 2.45's and the newest SDK's (2025-12-03, whose Gallery model is the
// same): every property a client may write comes back from a PUT of a new gallery with the value
// sent, or is refused with a 4xx naming its path. A probe of the sharing profile gets a whole one
// (Community permission with its community info, which Kiln wants, as Azure does); a probe of a
// user-assigned identity names one that exists. DEPARTURES lists what Kiln does otherwise today, with
// why; the test fails on a new departure and on one that is gone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResourceManagementClient } from '@azure/arm-resources';
import { armCaller } from '../support/arm-call.ts';
import { assertDepartures, walkModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Probe (path = value) to why Kiln departs from the rule there. */
const DEPARTURES: Record<string, string> = {
  'identity.type = "None"':
    "type None asks for no identity (the model: it 'will remove all identities'): Kiln stores none and answers without 'identity', which the SDKs read alike; no published example shows Azure's answer",
};

describe('galleries: every writable property of the 2025-03-03 model', () => {
  let kiln: TestServer;
  let identityId: string;
  let token: string;

  before(async () => {
    // Each probe is a gallery of its own: more than the default 10 a region.
    kiln = await startTestServer({ workers: 0, config: { quotas: { galleries: 1000 } } });
    const sub = kiln.subscriptionId;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    identityId = `/subscriptions/${sub}/resourceGroups/walk/providers/Microsoft.ManagedIdentity/userAssignedIdentities/walker`;
    const identity = await armCaller(kiln, '2023-01-31')(token, 'PUT', identityId, { location: 'westus' });
    assert.equal(identity.status, 201, JSON.stringify(identity.body));
  });
  after(() => kiln.stop());

  // The model's own api-version, the Azure CLI 2.45's and the newest SDK's: Kiln answers each alike.
  for (const apiVersion of ['2025-03-03', '2022-03-03', '2025-12-03'])
    it(`stores and returns each property, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
      const model = JSON.parse(
        await readFile(join(import.meta.dirname, 'spec-models', 'GalleryRP-2025-03-03-gallery.json'), 'utf8'),
      );
      const arm = armCaller(kiln, apiVersion);
      const group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk`;
      const result = await walkModel({
        definitions: model.definitions,
        root: 'Gallery',
        base: () => ({ location: 'westus' }),
        strings: (path) => {
          if (path === 'location') return 'westus';
          if (path.endsWith('publisherUri')) return 'https://example.com/walk';
          if (path.endsWith('publisherContact')) return 'walk@example.com';
          return undefined;
        },
        values: (leaf) => (leaf.path === 'identity.userAssignedIdentities' ? [{ [identityId]: {} }] : undefined),
        prepare: (body, path, _leaf, value) => {
          if (path.startsWith('properties.sharingProfile.'))
            body.properties = {
              sharingProfile: {
                permissions: 'Community',
                communityGalleryInfo: {
                  publisherUri: 'https://example.com/walk',
                  publisherContact: 'walk@example.com',
                  eula: 'eula',
                  publicNamePrefix: 'walk',
                },
              },
            };
          // A user-assigned identity and its type come together.
          if (path === 'identity.userAssignedIdentities' || String(value).includes('UserAssigned'))
            body.identity = { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } };
        },
        put: (n, body) =>
          arm(
            token,
            'PUT',
            `${group}/providers/Microsoft.Compute/galleries/walk_${apiVersion.replaceAll('-', '_')}_${n}`,
            body,
          ),
      });
      assertDepartures(t, result, apiVersion < '2025-03-03' ? {} : DEPARTURES); // identity came in 2025-03-03: refused before
    });
});
