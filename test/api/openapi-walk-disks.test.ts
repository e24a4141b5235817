// Issue 18's rule for Microsoft.Compute/disks and /snapshots, checked by walking the spec's models
// (test/api/spec-models/DiskRP-2025-01-02-disk-snapshot.json; 2026-03-02's have the same writable
// members) at the model's own api-version, the Azure CLI 2.45's (2022-07-02) and the newest SDK's
// (2026-03-02): for every property a client may write, a PUT of a new disk or snapshot (Disk,
// Snapshot) and a PATCH of a new one (DiskUpdate, SnapshotUpdate) is answered with the value at its
// path, or refused with a 4xx naming the path (test/support/openapi-walk.ts). The probes start from
// an Empty 1 GiB disk or snapshot; a probe of a source (sourceResourceId, sourceUri, uploadSizeBytes,
// an image reference: a managed image, a gallery image version) or of a create option gets the
// create option and source that go with it, a probe of a purchase plan's part the other parts.
// DEPARTURES lists what Kiln does otherwise today, with why; the test fails on a new departure and
// on one that is gone. About 40 s: the twelve walks run side by side on one server.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { MIB, makeVhd, putRegionBlob, uploadDisk } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { walkModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

const SET_BY_AZURE =
  "Azure sets it (a CopyStart copy's progress and failure) though the model leaves out readOnly: Kiln lets a value sent back from a GET through, as it does the members the model marks readOnly, and answers with its own";

/** Probe (path = value) to why Kiln departs from the rule there, per model. */
const DEPARTURES: Record<string, Record<string, string>> = {
  Disk: { 'properties.completionPercent = 1': SET_BY_AZURE },
  Snapshot: {
    'properties.completionPercent = 1': SET_BY_AZURE,
    'properties.copyCompletionError.errorCode = "CopySourceNotFound"': SET_BY_AZURE,
    'properties.copyCompletionError.errorMessage = "probe"': SET_BY_AZURE,
  },
  DiskUpdate: {},
  SnapshotUpdate: {},
};

/** The create option a probe of a source's field needs, by the field's path under creationData. */
const OPTION_OF: Array<[RegExp, string]> = [
  [/^sourceResourceId$/, 'Copy'],
  [/^(sourceUri|storageAccountId)$/, 'Import'],
  [/^uploadSizeBytes$/, 'Upload'],
  [/^(imageReference|galleryImageReference)\./, 'FromImage'],
  [/^provisionedBandwidthCopySpeed$/, 'CopyStart'],
];

// The walks share the server and its sources, and name their disks apart: they run side by side.
describe('disks and snapshots: every writable property of the DiskRP 2025-01-02 models', { concurrency: true }, () => {
  let kiln: TestServer;
  let arm: ArmCall;
  let token: string;
  let model: Json;
  let strings: (path: string) => string | undefined;
  /** What an image reference names: a managed image (imageReference), a gallery image version. */
  let references: Record<string, string>;
  const group = () => `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk/providers/Microsoft.Compute`;

  before(async () => {
    kiln = await startTestServer();
    arm = armCaller(kiln, '2025-01-02'); // each probe names its own api-version
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    model = JSON.parse(
      await readFile(join(import.meta.dirname, 'spec-models', 'DiskRP-2025-01-02-disk-snapshot.json'), 'utf8'),
    );
    const sub = kiln.subscriptionId;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    const compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const vhd = makeVhd(20, 'walk-disks');
    const blob = await putRegionBlob(kiln, 'westus', 'vhds/walk.vhd', vhd);
    await uploadDisk(compute, 'walk', 'source', 'westus', vhd);
    await compute.snapshots.createOrUpdate('walk', 'inc', {
      location: 'westus',
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: `${group()}/disks/source` },
    });
    const image = await compute.images.createOrUpdate('walk', 'image', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: blob } },
    });
    await compute.galleries.createOrUpdate('walk', 'shelf', { location: 'westus' });
    await compute.galleryImages.createOrUpdate('walk', 'shelf', 'def', linuxDefinition('westus'));
    const version = await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      'walk',
      'shelf',
      'def',
      '1.0.0',
      { location: 'westus', storageProfile: { source: { id: image.id } } },
      { updateIntervalInMs: 100 },
    );
    references = { imageReference: image.id!, galleryImageReference: version.id! };
    strings = (path) => {
      if (path === 'location') return 'westus';
      if (path === 'zones[0]') return '1';
      if (path.endsWith('sourceUri')) return blob;
      const reference = /(imageReference|galleryImageReference)\.id$/.exec(path)?.[1];
      if (reference) return references[reference];
      return undefined;
    };
  });
  after(() => kiln.stop());

  /** The source a body's create option reads, unless the probe gave one; a source decides the size. */
  function sourced(body: Json): Json {
    const creation = body.properties?.creationData;
    const option = creation?.createOption;
    const sources: Record<string, Json> = {
      Copy: { sourceResourceId: `${group()}/disks/source` },
      CopyStart: { sourceResourceId: `${group()}/snapshots/inc` },
      Import: { sourceUri: strings('sourceUri') },
      Upload: { uploadSizeBytes: 20 * MIB + 512 },
      FromImage: creation?.galleryImageReference ? {} : { imageReference: { id: references.imageReference } },
    };
    if (!creation || !(option in sources)) return body;
    body.properties.creationData = { ...sources[option], ...creation };
    delete body.properties.diskSizeGB;
    return body;
  }

  /**
   * Gives a probe what it needs beside itself: its create option (a snapshot's image reference none,
   * as snapshots are not made from images), an image reference's id, a purchase plan's other parts.
   */
  const prepare = (collection: 'disks' | 'snapshots') => (body: Json, path: string) => {
    const creation = /^properties\.creationData\.(.+)$/.exec(path)?.[1];
    const option = creation && OPTION_OF.find(([field]) => field.test(creation))?.[1];
    const reference = /^(imageReference|galleryImageReference)\./.exec(creation ?? '')?.[1];
    if (reference && collection === 'disks')
      body.properties.creationData = { createOption: option, [reference]: { id: references[reference] } };
    else if (option && !reference) body.properties.creationData = { createOption: option };
    if (path === 'properties.incremental') body.properties.creationData = { createOption: 'Copy' };
    if (path === 'properties.creationData.logicalSectorSize') body.sku = { name: 'PremiumV2_LRS' };
    if (path.startsWith('properties.purchasePlan.'))
      body.properties.purchasePlan = { name: 'plan', publisher: 'walk', product: 'probes' };
  };

  const empty = () => ({ location: 'westus', properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1 } });

  for (const [collection, root] of [
    ['disks', 'Disk'],
    ['snapshots', 'Snapshot'],
  ] as const)
    for (const apiVersion of ['2025-01-02', '2022-07-02', '2026-03-02'])
      it(`${collection}: a new one stores and returns each property, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
        const result = await walkModel({
          definitions: model.definitions,
          root,
          base: empty,
          strings,
          prepare: prepare(collection),
          put: (n, body) =>
            arm(
              token,
              'PUT',
              `${group()}/${collection}/new-${apiVersion}-${n}?api-version=${apiVersion}`,
              sourced(body),
            ),
        });
        t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
        assert.deepEqual(
          Object.keys(result.departures).sort(),
          Object.keys(DEPARTURES[root]).sort(),
          JSON.stringify(result.departures, null, 2),
        );
      });

  for (const [collection, root] of [
    ['disks', 'DiskUpdate'],
    ['snapshots', 'SnapshotUpdate'],
  ] as const)
    for (const apiVersion of ['2025-01-02', '2022-07-02', '2026-03-02'])
      it(`${collection}: a PATCH stores and returns each property, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
        const result = await walkModel({
          definitions: model.definitions,
          root,
          base: () => ({}),
          strings,
          prepare: (body, path) => {
            if (path.startsWith('properties.purchasePlan.'))
              body.properties = { purchasePlan: { name: 'plan', publisher: 'walk', product: 'probes' } };
          },
          put: async (n, body) => {
            const id = `${group()}/${collection}/patched-${apiVersion}-${n}?api-version=${apiVersion}`;
            const made = await arm(token, 'PUT', id, empty());
            if (made.status >= 300) throw new Error(`${id}: ${made.status} ${JSON.stringify(made.body)}`);
            return arm(token, 'PATCH', id, body);
          },
        });
        t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
        assert.deepEqual(
          Object.keys(result.departures).sort(),
          Object.keys(DEPARTURES[root]).sort(),
          JSON.stringify(result.departures, null, 2),
        );
      });
});
