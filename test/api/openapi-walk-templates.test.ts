// Issue 18's rule for image templates at api-version 2025-10-01, checked by walking the spec's model
// (test/api/spec-models/ImageBuilder-2025-10-01-image-template.json, read by test/support/openapi-walk.ts):
// every property a client may write comes back from the PUT that creates a template (answered at once,
// Creating) with the value sent, or is refused with a 4xx naming its path. The discriminated unions
// are walked kind by kind: every source, customizer, in-VM validator, distributor and versioning
// scheme, each probe's item a valid one of its kind (a script customizer with inline commands unless
// the probe gives its scriptUri). Templates are only PUT, never run: the probe of autoRun Enabled
// builds from a gallery image version that does not exist, so the template fails validation and does
// not run (as Azure's does not), its autoRun stored all the same.
// DEPARTURES lists what Kiln does otherwise today, with why; the test fails on a new departure and on
// one that is gone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { armCaller } from '../support/arm-call.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { assertDepartures, walkModel, type Leaf } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Probe (path = value) to why Kiln departs from the rule there. */
const DEPARTURES: Record<string, string> = {
  'properties.distribute[0](SharedImage).replicationRegions[0] = "westus"':
    "Kiln keeps a SharedImage target's regions once, as targetRegions (which supersedes the deprecated replicationRegions from 2022-07-01): a 2025-10-01 body giving replicationRegions is answered with the same regions in targetRegions; 2022-02-14 and older are answered with replicationRegions (version-shapes.ts)",
};

describe('image templates: every writable property of the 2025-10-01 model', () => {
  let kiln: TestServer;
  let ids: Record<string, string>;

  before(async () => {
    kiln = await startTestServer();
    const sub = kiln.subscriptionId;
    const group = `/subscriptions/${sub}/resourceGroups/walk`;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    const compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const blob = await putRegionBlob(kiln, 'westus', 'vhds/walk.vhd', makeVhd(4, 'walk-template'));
    const image = await compute.images.createOrUpdate('walk', 'source', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: blob } },
    });
    await compute.galleries.createOrUpdate('walk', 'shelf', { location: 'westus' });
    const definition = await compute.galleryImages.createOrUpdate('walk', 'shelf', 'def', linuxDefinition('westus'));
    const vnet = await new NetworkManagementClient(kiln.credential, sub, {
      endpoint: kiln.url,
    }).virtualNetworks.beginCreateOrUpdateAndWait('walk', 'net', {
      location: 'westus',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        { name: 'build', addressPrefix: '10.0.0.0/24' },
        { name: 'aci', addressPrefix: '10.0.1.0/24' },
      ],
    });
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const identity = `${group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/walker`;
    const made = await armCaller(kiln, '2023-01-31')(token, 'PUT', identity, { location: 'westus' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    ids = {
      token,
      group,
      image: image.id!,
      definition: definition.id!,
      version: `${definition.id}/versions/1.0.0`,
      identity,
      subnet: vnet.subnets!.find((s) => s.name === 'build')!.id!,
      aciSubnet: vnet.subnets!.find((s) => s.name === 'aci')!.id!,
    };
  });
  after(() => kiln.stop());

  /** The kind a probe gives the union at `at`, if it is one. */
  const kindAt = (leaf: Leaf, at: string) => leaf.kinds.find((kind) => kind.at === at)?.value;

  /** A valid source of each kind. */
  const source = (kind: string) =>
    kind === 'PlatformImage'
      ? { type: kind, publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }
      : kind === 'ManagedImage'
        ? { type: kind, imageId: ids.image }
        : { type: kind, imageVersionId: ids.version };

  /** A valid customizer or validator of each kind; a script one runs inline commands unless the probe gives its script. */
  const step = (kind: string | undefined, path: string) =>
    kind === 'File'
      ? { type: kind, name: 'step', sourceUri: 'https://example.com/walk.txt', destination: '/tmp/walk.txt' }
      : kind === 'Shell' || kind === 'PowerShell'
        ? { type: kind, name: 'step', ...(path.endsWith('.scriptUri') ? {} : { inline: ['true'] }) }
        : { type: kind, name: 'step' };

  /** A valid distributor of each kind; a SharedImage one names its regions the way the probe does. */
  const distributor = (kind: string | undefined, path: string) =>
    kind === 'ManagedImage'
      ? {
          type: kind,
          runOutputName: 'out',
          imageId: `${ids.group}/providers/Microsoft.Compute/images/out`,
          location: 'westus',
        }
      : kind === 'SharedImage'
        ? {
            type: kind,
            runOutputName: 'out',
            galleryImageId: ids.definition,
            ...(path.includes('replicationRegions') ? {} : { targetRegions: [{ name: 'westus' }] }),
          }
        : { type: kind, runOutputName: 'out' };

  it('stores and returns each property, or refuses it naming its path', async (t) => {
    const model = JSON.parse(
      await readFile(join(import.meta.dirname, 'spec-models', 'ImageBuilder-2025-10-01-image-template.json'), 'utf8'),
    );
    const arm = armCaller(kiln, '2025-10-01');
    const result = await walkModel({
      definitions: model.definitions,
      root: 'ImageTemplate',
      base: () => ({
        location: 'westus',
        identity: { type: 'None' },
        properties: { source: source('ManagedImage'), distribute: [distributor('VHD', '')] },
      }),
      strings: (path) => {
        if (path === 'location' || /distribute\[0\]\.location$|Regions\[0\](\.name)?$/.test(path)) return 'westus';
        if (/(scriptUri|sourceUri)$/.test(path)) return 'https://example.com/walk.sh';
        if (path.endsWith('sha256Checksum')) return 'a'.repeat(64);
        if (path.endsWith('destination')) return '/tmp/walk.sh';
        if (path.endsWith('restartTimeout')) return '5m';
        if (path === 'properties.source.imageId') return ids.image;
        if (path.endsWith('distribute[0].imageId')) return `${ids.group}/providers/Microsoft.Compute/images/out`;
        if (path.endsWith('galleryImageId')) return ids.definition;
        if (path.endsWith('imageVersionId')) return ids.version;
        if (path === 'properties.stagingResourceGroup')
          return `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk-staging`;
        if (path.endsWith('vmProfile.userAssignedIdentities[0]')) return ids.identity;
        if (path.endsWith('vnetConfig.subnetId')) return ids.subnet;
        if (path.endsWith('vnetConfig.containerInstanceSubnetId')) return ids.aciSubnet;
        return undefined;
      },
      values: (leaf) => (leaf.path === 'identity.userAssignedIdentities' ? [{ [ids.identity]: {} }] : undefined),
      prepare: (body, path, leaf, value) => {
        const properties = body.properties;
        const kind = kindAt(leaf, 'properties.source');
        if (kind) properties.source = source(kind);
        if (path === 'properties.autoRun.state' && value === 'Enabled')
          properties.source = source('SharedImageVersion');
        // A distributor of the probe's kind takes the place of the VHD one.
        if (kindAt(leaf, 'properties.distribute[0]')) properties.distribute = [];
        if (path === 'identity.userAssignedIdentities' || value === 'UserAssigned')
          body.identity = { type: 'UserAssigned', userAssignedIdentities: { [ids.identity]: {} } };
        // An isolated build's subnet comes with the build VM's.
        if (path.endsWith('containerInstanceSubnetId')) properties.vmProfile = { vnetConfig: { subnetId: ids.subnet } };
      },
      newItem: (arrayPath, path, leaf) => {
        const kind = kindAt(leaf, arrayPath);
        if (arrayPath === 'properties.distribute[0]') return distributor(kind, path);
        if (arrayPath === 'properties.customize[0]' || arrayPath === 'properties.validate.inVMValidations[0]')
          return step(kind, path);
        return {};
      },
      put: (n, body) =>
        arm(ids.token, 'PUT', `${ids.group}/providers/Microsoft.VirtualMachineImages/imageTemplates/walk-${n}`, body),
    });
    assertDepartures(t, result, DEPARTURES);
  });
});
