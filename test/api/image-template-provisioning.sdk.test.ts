// Azure's asynchronous template validation, through the official @azure/arm-imagebuilder client: a
// template of the right shape whose references do not resolve is accepted (201 Creating), ends provisioningState
// Failed with a provisioningError naming the field and the missing resource, fails the PUT's
// long-running operation, and is refused a run; repeating the PUT once the resource exists makes it
// Succeeded.
import { ComputeManagementClient } from '@azure/arm-compute';
import {
  ImageBuilderClient,
  type ImageTemplate,
  type ImageTemplateDistributorUnion,
  type ImageTemplateSourceUnion,
} from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addPlatformImage } from '../../src/domain/platform-images/catalog.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { linuxDefinition } from '../support/gallery-image.ts';

describe('image template provisioning state with @azure/arm-imagebuilder', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let compute: ComputeManagementClient;
  let resources: ResourceManagementClient;
  let blobUri: string;
  let group: string;
  const rg = 'validation';

  before(async () => {
    kiln = await startTestServer();
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate(rg, { location: 'westus' });
    await compute.galleries.createOrUpdate(rg, 'gal', { location: 'westus' });
    blobUri = await putRegionBlob(kiln, 'westus', 'vhds/base.vhd', makeVhd(4, 'provisioning-base'));
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}`;
  });
  after(() => kiln.stop());

  const imageId = (name: string) => `${group}/providers/Microsoft.Compute/images/${name}`;
  const definitionId = (name: string) => `${group}/providers/Microsoft.Compute/galleries/gal/images/${name}`;
  const template = (
    source: ImageTemplateSourceUnion,
    distribute: ImageTemplateDistributorUnion[] = [{ type: 'VHD', runOutputName: 'vhd' }],
  ): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    source,
    customize: [{ type: 'Shell', name: 'noop', inline: ['true'] }],
    distribute,
  });
  const createImage = (name: string) =>
    compute.images.createOrUpdate(rg, name, {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
  const createDefinition = (name: string) =>
    compute.galleryImages.createOrUpdate(rg, 'gal', name, linuxDefinition('westus', name));

  /** The PUT's poller fails with the code; the stored template is Failed, its message naming every `mentions`. */
  async function assertFailed(name: string, body: ImageTemplate, code: string, mentions: string[]) {
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(rg, name, body),
      (error: Error) => {
        assert.match(error.message, new RegExp(`^The long-running operation has failed\\. ${code}\\. `));
        return true;
      },
    );
    const stored = await builder.virtualMachineImageTemplates.get(rg, name);
    assert.equal(stored.provisioningState, 'Failed');
    assert.equal(stored.provisioningError?.provisioningErrorCode, code);
    for (const text of mentions)
      assert.ok(
        stored.provisioningError?.message?.includes(text),
        `'${text}' in: ${stored.provisioningError?.message}`,
      );
    return stored;
  }

  it('ends a template from an unknown platform image Failed with BadPIRSource, refuses to run it, and validates it again on a repeated PUT', async () => {
    const source: ImageTemplateSourceUnion = {
      type: 'PlatformImage',
      publisher: 'kiln',
      offer: 'busybox',
      sku: 'tiny',
      version: 'latest',
    };
    await assertFailed('pir', template(source), 'BadPIRSource', [
      'properties.source: ',
      'kiln:busybox:tiny:latest',
      'Available: none yet',
    ]);
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginRunAndWait(rg, 'pir'),
      armRefusal(409, 'OperationNotAllowed', /provisioningState 'Failed'.*BadPIRSource: properties\.source: /),
    );

    await addPlatformImage(
      kiln.server.kiln.domain,
      {
        publisher: 'kiln',
        offer: 'busybox',
        sku: 'tiny',
        version: '1.0.0',
        blob: { region: 'westus', key: 'platformimages/tiny.vhd' },
        sizeBytes: 0,
        sha256: '0'.repeat(64),
        importedAt: new Date().toISOString(),
      },
      false,
    );
    const fixed = await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(rg, 'pir', template(source));
    assert.equal(fixed.provisioningState, 'Succeeded');
    assert.equal(fixed.provisioningError, undefined);
  });

  it('ends a template whose managed image source is missing Failed with BadManagedImageSource, until the image exists and the PUT is repeated', async () => {
    const body = template({ type: 'ManagedImage', imageId: imageId('later') });
    await assertFailed('from-later', body, 'BadManagedImageSource', ['properties.source.imageId: ', imageId('later')]);
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginRunAndWait(rg, 'from-later'),
      armRefusal(409, 'OperationNotAllowed', /BadManagedImageSource/),
    );

    await createImage('later');
    const fixed = await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(rg, 'from-later', body);
    assert.equal(fixed.provisioningState, 'Succeeded');
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'from-later')).provisioningError, undefined);
  });

  it('ends a template whose gallery image definition target is missing Failed with BadSharedImageDistribute, until it exists and the PUT is repeated', async () => {
    await createImage('base');
    const body = template({ type: 'ManagedImage', imageId: imageId('base') }, [
      { type: 'VHD', runOutputName: 'vhd' },
      {
        type: 'SharedImage',
        runOutputName: 'sig',
        galleryImageId: definitionId('later'),
        targetRegions: [{ name: 'westus' }],
      },
    ]);
    await assertFailed('to-later', body, 'BadSharedImageDistribute', [
      'properties.distribute[1].galleryImageId: ',
      definitionId('later'),
    ]);
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginRunAndWait(rg, 'to-later'),
      armRefusal(409, 'OperationNotAllowed', /BadSharedImageDistribute/),
    );

    await createDefinition('later');
    assert.equal(
      (await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(rg, 'to-later', body)).provisioningState,
      'Succeeded',
    );
  });

  it('names a missing gallery version source (BadSharedImageVersionSource) and a managed image target in a missing resource group (BadDistributeType)', async () => {
    await createDefinition('versionless');
    const versionId = `${definitionId('versionless')}/versions/1.0.0`;
    await assertFailed(
      'from-version',
      template({ type: 'SharedImageVersion', imageVersionId: versionId }),
      'BadSharedImageVersionSource',
      ['properties.source.imageVersionId: ', versionId],
    );
    const nowhere = `/subscriptions/${kiln.subscriptionId}/resourceGroups/nowhere/providers/Microsoft.Compute/images/out`;
    await assertFailed(
      'to-nowhere',
      template({ type: 'ManagedImage', imageId: imageId('base') }, [
        { type: 'ManagedImage', runOutputName: 'image', imageId: nowhere, location: 'westus' },
      ]),
      'BadDistributeType',
      ['properties.distribute[0].imageId: ', `/subscriptions/${kiln.subscriptionId}/resourceGroups/nowhere'`],
    );
  });

  it('reports every unresolved reference at once, under the code of the first', async () => {
    const stored = await assertFailed(
      'all-wrong',
      template({ type: 'ManagedImage', imageId: imageId('missing') }, [
        {
          type: 'SharedImage',
          runOutputName: 'one',
          galleryImageId: definitionId('missing-1'),
          targetRegions: [{ name: 'westus' }],
        },
        {
          type: 'SharedImage',
          runOutputName: 'two',
          galleryImageId: definitionId('missing-2'),
          targetRegions: [{ name: 'westus' }],
        },
      ]),
      'BadManagedImageSource',
      [
        'properties.source.imageId',
        'properties.distribute[0].galleryImageId',
        'properties.distribute[1].galleryImageId',
        definitionId('missing-2'),
      ],
    );
    assert.ok(
      stored.provisioningError!.message!.indexOf('properties.source') <
        stored.provisioningError!.message!.indexOf('properties.distribute[0]'),
    );
  });

  it('validates the targets again when PATCH changes distribute, and keeps the state on a tags PATCH', async () => {
    await createImage('patch-base');
    const good = template({ type: 'ManagedImage', imageId: imageId('patch-base') });
    assert.equal(
      (await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(rg, 'patched', good)).provisioningState,
      'Succeeded',
    );
    const bad: ImageTemplateDistributorUnion[] = [
      {
        type: 'SharedImage',
        runOutputName: 'sig',
        galleryImageId: definitionId('patch-missing'),
        targetRegions: [{ name: 'westus' }],
      },
    ];
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginUpdateAndWait(rg, 'patched', { properties: { distribute: bad } }),
      /The long-running operation has failed\. BadSharedImageDistribute\. properties\.distribute\[0\]\.galleryImageId: /,
    );
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'patched')).provisioningState, 'Failed');
    const tagged = await builder.virtualMachineImageTemplates
      .beginUpdateAndWait(rg, 'patched', { tags: { still: 'failed' } })
      .catch((error: Error) => error);
    assert.ok(!(tagged instanceof Error), `a tags PATCH is not validation: ${String(tagged)}`);
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'patched')).provisioningState, 'Failed');
    const back = await builder.virtualMachineImageTemplates.beginUpdateAndWait(rg, 'patched', {
      properties: { distribute: good.distribute },
    });
    assert.equal(back.provisioningState, 'Succeeded');
    assert.deepEqual(back.tags, { still: 'failed' });
  });

  it('answers a failed validation as Azure does on the wire: 201 Creating and an operation that fails with the error', async () => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const url = `${kiln.url}${group}/providers/Microsoft.VirtualMachineImages/imageTemplates/wire?api-version=2022-07-01`;
    const body = {
      location: 'westus',
      identity: { type: 'None' },
      properties: {
        source: { type: 'ManagedImage', imageId: imageId('absent') },
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    };
    const put = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });
    assert.equal(put.status, 201, await put.clone().text());
    const created = (await put.json()) as { properties: { provisioningState: string; provisioningError?: unknown } };
    assert.equal(created.properties.provisioningState, 'Creating');
    assert.equal(created.properties.provisioningError, undefined, 'the check is the operation');
    const status = (await (await fetch(put.headers.get('azure-asyncoperation')!, { headers })).json()) as {
      status: string;
      error: { code: string; target: string };
    };
    assert.equal(status.status, 'Failed');
    assert.deepEqual([status.error.code, status.error.target], ['BadManagedImageSource', 'properties.source.imageId']);
    const stored = (await (await fetch(url, { headers })).json()) as typeof created;
    assert.equal(stored.properties.provisioningState, 'Failed');
    const again = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as typeof created).properties.provisioningState, 'Failed');
    assert.ok(again.headers.get('azure-asyncoperation'), 'still failing: another failed operation');
  });

  it('deletes a Failed template', async () => {
    await builder.virtualMachineImageTemplates.beginDeleteAndWait(rg, 'wire');
    await assert.rejects(builder.virtualMachineImageTemplates.get(rg, 'wire'), { statusCode: 404 });
  });

  it('still refuses a template of the wrong shape at PUT with 400, storing nothing', async () => {
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(
        rg,
        'shapeless',
        template({ type: 'Floppy' } as never),
      ),
      armRefusal(400, 'BadSourceType'),
    );
    await assert.rejects(builder.virtualMachineImageTemplates.get(rg, 'shapeless'), { statusCode: 404 });
  });
});
