// Issue 18's rule for Microsoft.Compute/images, checked by walking the spec's model
// (test/api/spec-models/ComputeRP-2024-11-01-image.json) at its own api-version, the Azure CLI
// 2.45's and the newest SDK's: for every property a client may write, a PUT of a new image carrying
// it is answered with the value at its path, or refused with a 4xx naming the path
// (test/support/openapi-walk.ts). The probes start from an image of a blob; a probe of one of a
// disk's sources (snapshot, managedDisk, blobUri) replaces the blob, one of sourceVirtualMachine
// replaces the storage profile. DEPARTURES lists what Kiln does otherwise today, with why; the test
// fails on a new departure and on one that is gone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { makeVhd, putRegionBlob, uploadDisk } from '../support/disk-data.ts';
import { walkModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Probe (path = value) to why Kiln departs from the rule there. */
const DEPARTURES: Record<string, string> = {
  'extendedLocation.name = "losangeles"':
    'Kiln wants extendedLocation.name and .type together; the model requires neither',
  'extendedLocation.type = "EdgeZone"':
    'Kiln wants extendedLocation.name and .type together; the model requires neither',
};

const SOURCES = ['snapshot', 'managedDisk', 'blobUri'];

describe('Microsoft.Compute/images: every writable property of the 2024-11-01 model', () => {
  let kiln: TestServer;
  let arm: ArmCall;
  let token: string;
  let strings: (path: string) => string | undefined;
  const group = () => `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk`;

  before(async () => {
    kiln = await startTestServer();
    arm = armCaller(kiln, '2024-11-01'); // each probe names its own api-version
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const sub = kiln.subscriptionId;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    const compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const vhd = makeVhd(20, 'walk');
    const blob = await putRegionBlob(kiln, 'westus', 'vhds/walk.vhd', vhd);
    await uploadDisk(compute, 'walk', 'disk', 'westus', vhd);
    await compute.snapshots.createOrUpdate('walk', 'snap', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: `${group()}/providers/Microsoft.Compute/disks/disk` },
    });
    const ids = `${group()}/providers/Microsoft.Compute`;
    strings = (path) => {
      if (path.endsWith('blobUri')) return blob;
      if (path.endsWith('snapshot.id')) return `${ids}/snapshots/snap`;
      if (path.endsWith('managedDisk.id')) return `${ids}/disks/disk`;
      if (path.endsWith('sourceVirtualMachine.id')) return `${ids}/virtualMachines/none`;
      if (path.endsWith('diskEncryptionSet.id')) return `${ids}/diskEncryptionSets/des`;
      if (path === 'location') return 'westus';
      if (path === 'extendedLocation.name') return 'losangeles';
      return undefined;
    };
  });
  after(() => kiln.stop());

  // The model's own api-version, the Azure CLI 2.45's and the newest SDK's: Kiln answers each alike.
  for (const apiVersion of ['2024-11-01', '2022-11-01', '2026-04-01'])
    it(`stores and returns each property, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
      const model = JSON.parse(
        await readFile(join(import.meta.dirname, 'spec-models', 'ComputeRP-2024-11-01-image.json'), 'utf8'),
      );
      const sourceProbe = (path: string) => /^properties\.storageProfile\.(?:osDisk|dataDisks\[0\])\.(\w+)/.exec(path);
      const result = await walkModel({
        definitions: model.definitions,
        root: 'Image',
        base: () => ({
          location: 'westus',
          properties: {
            storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: strings('blobUri') } },
          },
        }),
        strings,
        prepare: (body, path) => {
          if (path.startsWith('properties.sourceVirtualMachine')) delete body.properties.storageProfile;
          if (path.startsWith('properties.storageProfile.osDisk.') && SOURCES.includes(sourceProbe(path)?.[1] ?? ''))
            for (const source of SOURCES) delete body.properties.storageProfile.osDisk[source];
        },
        // A data disk made for a probe reads the blob, unless the probe gives it another source.
        newItem: (_, path) =>
          SOURCES.includes(sourceProbe(path)?.[1] ?? '') ? { lun: 1 } : { lun: 1, blobUri: strings('blobUri') },
        put: (n, body) =>
          arm(
            token,
            'PUT',
            `${group()}/providers/Microsoft.Compute/images/${apiVersion}-${n}?api-version=${apiVersion}`,
            body,
          ),
      });
      t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
      assert.deepEqual(
        Object.keys(result.departures).sort(),
        Object.keys(DEPARTURES).sort(),
        JSON.stringify(result.departures, null, 2),
      );
    });
});
