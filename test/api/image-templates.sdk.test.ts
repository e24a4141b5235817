// Microsoft.VirtualMachineImages/imageTemplates through the official @azure/arm-imagebuilder client:
// templates as Azure users write them, every validation error at once, immutability, PATCH.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { armRefusal, type ArmFailure } from '../support/arm-refusal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { linuxDefinition } from '../support/gallery-image.ts';

describe('image templates with @azure/arm-imagebuilder', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let imageId: string;
  let galleryImageId: string;
  const rg = 'builds';

  before(async () => {
    kiln = await startTestServer();
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/base.vhd', makeVhd(20, 'template-base'));
    imageId = (
      await compute.images.createOrUpdate(rg, 'base', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      })
    ).id!;
    await compute.galleries.createOrUpdate(rg, 'gal', { location: 'westus' });
    galleryImageId = (await compute.galleryImages.createOrUpdate(rg, 'gal', 'def', linuxDefinition('westus'))).id!;
  });
  after(() => kiln.stop());

  const template = (): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    tags: { team: 'images' },
    source: { type: 'ManagedImage', imageId },
    customize: [
      { type: 'Shell', name: 'install', inline: ['echo hello > /etc/motd'] },
      { type: 'File', name: 'config', sourceUri: 'https://example.invalid/app.conf', destination: '/tmp/app.conf' },
    ],
    distribute: [
      { type: 'VHD', runOutputName: 'vhd' },
      {
        type: 'ManagedImage',
        runOutputName: 'image',
        imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/images/built`,
        location: 'westus',
      },
      {
        type: 'SharedImage',
        runOutputName: 'gallery',
        galleryImageId,
        targetRegions: [{ name: 'westus' }, { name: 'eastus', replicaCount: 2 }],
      },
    ],
    buildTimeoutInMinutes: 30,
  });

  it('creates, reads and lists a template; the run outputs are empty before any run', async () => {
    // Azure answers the create before validating the template: 201 Creating, then the client polls.
    const answers: Array<[number, unknown, string | undefined, string | undefined]> = [];
    const created = await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'web', template(), {
      onResponse: (response) =>
        answers.push([
          response.status,
          (response.parsedBody as { properties?: { provisioningState?: string } }).properties?.provisioningState,
          response.headers.get('azure-asyncoperation'),
          response.headers.get('location'),
        ]),
    });
    assert.equal(answers.length, 1, 'the PUT; the poller makes the rest of the calls');
    const [[status, state, polled, location]] = answers;
    assert.deepEqual([status, state, location], [201, 'Creating', undefined]);
    assert.match(polled!, /\/providers\/Microsoft\.VirtualMachineImages\/locations\/westus\/operations\//);
    assert.equal(created.provisioningState, 'Succeeded', 'what the poller read once the operation ended');
    assert.deepEqual(
      created.distribute?.map((d) => d.type),
      ['VHD', 'ManagedImage', 'SharedImage'],
    );
    assert.equal(created.customize?.length, 2);
    assert.equal(created.buildTimeoutInMinutes, 30);
    const read = await builder.virtualMachineImageTemplates.get(rg, 'web');
    assert.deepEqual(
      read.distribute?.map((d) => d.runOutputName),
      ['vhd', 'image', 'gallery'],
    );
    const listed = [];
    for await (const t of builder.virtualMachineImageTemplates.list()) listed.push(t.name);
    assert.deepEqual(listed, ['web']);
    const outputs = [];
    for await (const o of builder.virtualMachineImageTemplates.listRunOutputs(rg, 'web')) outputs.push(o);
    assert.deepEqual(outputs, []);
    await assert.rejects(builder.virtualMachineImageTemplates.getRunOutput(rg, 'web', 'vhd'), { statusCode: 404 });
  });

  it('accepts the spellings of older templates and names each deprecated one in a warning header', async () => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(
      `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/legacy?api-version=2019-05-01-preview`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'Microsoft.VirtualMachineImages/imageTemplates',
          apiVersion: '2019-05-01-preview',
          location: 'westus',
          dependsOn: [],
          properties: {
            source: { type: 'managedImage', imageId },
            customize: [{ type: 'shell', name: 'step', inline: 'echo legacy' }],
            distribute: [
              {
                type: 'sharedImage',
                galleryImageId,
                runOutputName: 'legacy',
                replicationRegions: ['westus', 'eastus'],
              },
            ],
          },
        }),
      },
    );
    assert.equal(response.status, 201, await response.clone().text());
    const body = (await response.json()) as {
      properties: {
        customize: Array<{ type: string; inline: string[] }>;
        distribute: Array<{ type: string; replicationRegions: string[]; targetRegions?: unknown }>;
      };
    };
    assert.deepEqual(body.properties.customize[0], { type: 'Shell', name: 'step', inline: ['echo legacy'] });
    // 2019-05-01-preview's own shape: `replicationRegions`, which is no deprecation there.
    assert.equal(body.properties.distribute[0].type, 'SharedImage');
    assert.deepEqual(body.properties.distribute[0].replicationRegions, ['westus', 'eastus']);
    assert.equal(body.properties.distribute[0].targetRegions, undefined);
    const warnings = JSON.parse(response.headers.get('x-ms-kiln-warnings')!) as Array<{ target: string }>;
    assert.deepEqual(
      warnings.map((w) => w.target),
      ['properties.customize[0].inline'],
    );
  });

  it("answers the same template in each api-version's own shape: replicationRegions at 2022-02-14, targetRegions at 2025-10-01", async () => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const at = (apiVersion: string) =>
      `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/shapes?api-version=${apiVersion}`;
    const put = (apiVersion: string, body: unknown) =>
      fetch(at(apiVersion), { method: 'PUT', headers, body: JSON.stringify(body) });
    const get = async (apiVersion: string) => {
      const response = await fetch(at(apiVersion), { headers });
      assert.equal(response.status, 200);
      return (await response.json()) as { properties: { distribute: Array<Record<string, unknown>> } };
    };
    /** A template to the gallery, its regions as `regions` says them. */
    const toGallery = (regions: Record<string, unknown>) => ({
      location: 'westus',
      identity: { type: 'None' },
      properties: {
        source: { type: 'ManagedImage', imageId },
        distribute: [{ type: 'SharedImage', runOutputName: 'gallery', galleryImageId, ...regions }],
      },
    });
    const made = await put(
      '2025-10-01',
      toGallery({
        targetRegions: [{ name: 'westus' }, { name: 'eastus', replicaCount: 2, storageAccountType: 'Standard_ZRS' }],
        versioning: { scheme: 'Latest', major: 2 },
      }),
    );
    assert.equal(made.status, 201, await made.clone().text());
    const operation = await fetch(made.headers.get('azure-asyncoperation')!, { headers });
    assert.equal(((await operation.json()) as { status: string }).status, 'Succeeded');
    const newer = {
      type: 'SharedImage',
      runOutputName: 'gallery',
      galleryImageId,
      excludeFromLatest: false,
      storageAccountType: 'Standard_LRS',
      targetRegions: [
        { name: 'westus', replicaCount: 1, storageAccountType: 'Standard_LRS' },
        { name: 'eastus', replicaCount: 2, storageAccountType: 'Standard_ZRS' },
      ],
      versioning: { scheme: 'Latest', major: 2 },
    };
    assert.deepEqual((await get('2025-10-01')).properties.distribute, [newer]);
    const older = await get('2022-02-14');
    assert.deepEqual(older.properties.distribute, [
      {
        type: 'SharedImage',
        runOutputName: 'gallery',
        galleryImageId,
        excludeFromLatest: false,
        storageAccountType: 'Standard_LRS',
        replicationRegions: ['westus', 'eastus'],
      },
    ]);

    // A 2022-02-14 client putting back what it read repeats the template: what it cannot say stays.
    const repeated = await put('2022-02-14', older);
    assert.equal(repeated.status, 200, await repeated.clone().text());
    assert.equal(repeated.headers.get('x-ms-kiln-warnings'), null, "replicationRegions is 2022-02-14's own field");
    assert.deepEqual(((await repeated.json()) as typeof older).properties.distribute[0].replicationRegions, [
      'westus',
      'eastus',
    ]);
    assert.deepEqual((await get('2025-10-01')).properties.distribute, [newer]);
    const fewer = await put('2022-02-14', {
      ...older,
      properties: {
        ...older.properties,
        distribute: [{ ...older.properties.distribute[0], replicationRegions: ['westus'] }],
      },
    });
    assert.equal(fewer.status, 409, 'other regions are a change, which templates refuse');

    // A template written at 2022-02-14 is read at 2025-10-01 with a replica in each region.
    await builder.virtualMachineImageTemplates.delete(rg, 'shapes');
    const written = await put(
      '2022-02-14',
      toGallery({ replicationRegions: ['westus', 'East US'], storageAccountType: 'Standard_ZRS' }),
    );
    assert.equal(written.status, 201, await written.clone().text());
    assert.deepEqual(((await written.json()) as typeof older).properties.distribute[0].replicationRegions, [
      'westus',
      'eastus',
    ]);
    assert.deepEqual((await get('2025-10-01')).properties.distribute[0].targetRegions, [
      { name: 'westus', replicaCount: 1, storageAccountType: 'Standard_ZRS' },
      { name: 'eastus', replicaCount: 1, storageAccountType: 'Standard_ZRS' },
    ]);
    await builder.virtualMachineImageTemplates.delete(rg, 'shapes');
  });

  it('reports every error of a broken template at once, each with its JSON path, and stores nothing', async () => {
    const broken: ImageTemplate = {
      ...template(),
      source: { type: 'Floppy' } as never,
      customize: [
        { type: 'Shell', name: 'same', inline: ['true'] },
        { type: 'Shell', name: 'same', inline: ['true'] },
        { type: 'File', name: 'etc', sourceUri: 'https://example.invalid/x', destination: '/etc/x' },
      ],
      distribute: [
        { type: 'VHD', runOutputName: 'dup' },
        { type: 'VHD', runOutputName: 'dup' },
      ],
    };
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(rg, 'broken', broken),
      (error: ArmFailure) => {
        assert.equal(error.statusCode, 400);
        for (const path of [
          'properties.source.type',
          'properties.customize[1].name',
          'properties.customize[2].destination',
          'properties.distribute[1].runOutputName',
        ]) {
          assert.ok(error.message.includes(path), `${path} is named in: ${error.message}`);
        }
        assert.match(error.message, /name 'same' is already used .* Azure's own example template for Windows/);
        return true;
      },
    );
    await assert.rejects(builder.virtualMachineImageTemplates.get(rg, 'broken'), { statusCode: 404 });
  });

  it('keeps templates immutable except through PATCH of tags, identity, distribute and vmProfile', async () => {
    const changed = template();
    changed.customize = [{ type: 'Shell', name: 'other', inline: ['true'] }];
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(rg, 'web', changed),
      armRefusal(409, 'UpdateNotSupported'),
    );
    const again = await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'web', {
      ...template(),
      tags: { team: 'platform' },
    });
    assert.deepEqual(again.tags, { team: 'platform' });
    const patched = await builder.virtualMachineImageTemplates.update(rg, 'web', {
      tags: { stage: 'test' },
      properties: { vmProfile: { vmSize: 'Standard_D2s_v3' } },
    });
    assert.deepEqual(patched.tags, { stage: 'test' });
    assert.equal(patched.vmProfile?.vmSize, 'Standard_D2s_v3');
  });

  it('deletes a template: 202 and an operation to poll, as the specification lists, then 204', async () => {
    const bearer = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const call = (url: string, method = 'GET') =>
      fetch(url, { method, headers: { authorization: `Bearer ${bearer}` } });
    const path = `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates`;
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'raw-delete',
      await builder.virtualMachineImageTemplates.get(rg, 'legacy'),
    );
    const deleted = await call(`${path}/raw-delete?api-version=2022-07-01`, 'DELETE');
    assert.equal(deleted.status, 202);
    const status = await call(deleted.headers.get('azure-asyncoperation')!);
    assert.equal(((await status.json()) as { status: string }).status, 'Succeeded');
    assert.equal((await call(deleted.headers.get('location')!)).status, 204);
    assert.equal((await call(`${path}/raw-delete?api-version=2022-07-01`, 'DELETE')).status, 204, 'nothing left');

    await builder.virtualMachineImageTemplates.delete(rg, 'legacy');
    await assert.rejects(builder.virtualMachineImageTemplates.get(rg, 'legacy'), {
      statusCode: 404,
      code: 'ResourceNotFound',
    });
  });
});
