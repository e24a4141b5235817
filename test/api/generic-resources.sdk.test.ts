// ARM's generic resource API through the official @azure/arm-resources client against a started server:
// resources listed by subscription and group with each $filter ARM takes (and its refusals), $expand,
// paging; get, put, patch, delete and HEAD by id for several types, an image template's run output
// among them, and ARM's answers for unknown types and namespaces; the tags API on a resource, a group
// and the subscription (merge, replace, delete, limits, who may) and tag names; a group exported as a
// template, its shape, and that template deployed into another group; moves refused; a Reader's list.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient, type GenericResourceExpanded } from '@azure/arm-resources';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

/** A resource of an exported template. */
interface TemplateResource {
  type: string;
  name: string;
  apiVersion: string;
  dependsOn?: string[];
  comments?: string;
  properties: Record<string, unknown>;
  [field: string]: unknown;
}

const API = {
  compute: '2026-03-01',
  gallery: '2026-03-03',
  disk: '2026-03-02',
  network: '2025-05-01',
  identity: '2023-01-31',
  builder: '2025-10-01',
  resources: '2025-04-01',
};

describe('generic resources, tags and export with @azure/arm-resources', () => {
  let kiln: TestServer;
  let resources: ResourceManagementClient;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;
  let sub: string;
  let work: string;
  const group = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;
  const id = (rg: string, type: string, name: string) => `${group(rg)}/providers/${type}/${name}`;
  const gallery = () => id('gen-a', 'Microsoft.Compute/galleries', 'shelf');

  async function listed(iterator: AsyncIterable<GenericResourceExpanded>): Promise<GenericResourceExpanded[]> {
    const found: GenericResourceExpanded[] = [];
    for await (const resource of iterator) found.push(resource);
    return found;
  }
  const names = async (filter: string, rg?: string) =>
    (await listed(rg ? resources.resources.listByResourceGroup(rg, { filter }) : resources.resources.list({ filter })))
      .map((r) => r.name)
      .sort();

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    const options = { endpoint: kiln.url };
    resources = new ResourceManagementClient(kiln.credential, sub, options);
    compute = new ComputeManagementClient(kiln.credential, sub, options);
    network = new NetworkManagementClient(kiln.credential, sub, options);
    await resources.resourceGroups.createOrUpdate('gen-a', { location: 'westus', tags: { owner: 'images' } });
    await resources.resourceGroups.createOrUpdate('gen-b', { location: 'eastus' });
    work = await mkdtemp(join(tmpdir(), 'kiln-generic-'));
    await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/busybox.vhd', await readFile(join(work, 'base.vhd')));
    await compute.images.beginCreateOrUpdateAndWait('gen-a', 'busybox', {
      location: 'westus',
      tags: { env: 'test' },
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    await compute.galleries.beginCreateOrUpdateAndWait('gen-a', 'shelf', { location: 'westus', tags: { env: 'prod' } });
    await compute.galleryImages.beginCreateOrUpdateAndWait('gen-a', 'shelf', 'debian', linuxDefinition('westus'));
    const nsg = await network.networkSecurityGroups.beginCreateOrUpdateAndWait('gen-a', 'web-nsg', {
      location: 'westus',
      securityRules: [
        {
          name: 'https',
          priority: 300,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'Internet',
          sourcePortRange: '*',
          destinationAddressPrefix: 'VirtualNetwork',
          destinationPortRanges: ['443', '8443'],
        },
      ],
    });
    await network.virtualNetworks.beginCreateOrUpdateAndWait('gen-a', 'web-net', {
      location: 'westus',
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24', networkSecurityGroup: { id: nsg.id } }],
    });
    await compute.disks.beginCreateOrUpdateAndWait('gen-b', 'data', {
      location: 'eastus',
      tags: { team: 'storage' },
      creationData: { createOption: 'Empty' },
      diskSizeGB: 1,
    });
  });
  after(async () => {
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('lists every tracked resource of the subscription and of a group, nested ones by their full name', async () => {
    const all = await listed(resources.resources.list({ expand: 'createdTime,changedTime,provisioningState' }));
    assert.deepEqual(all.map((r) => `${r.type} ${r.name}`).sort(), [
      'Microsoft.Compute/disks data',
      'Microsoft.Compute/galleries shelf',
      'Microsoft.Compute/galleries/images shelf/debian',
      'Microsoft.Compute/images busybox',
      'Microsoft.Network/networkSecurityGroups web-nsg',
      'Microsoft.Network/virtualNetworks web-net',
    ]);
    const disk = all.find((r) => r.name === 'data')!;
    assert.equal(disk.id, id('gen-b', 'Microsoft.Compute/disks', 'data'));
    assert.equal(disk.location, 'eastus');
    assert.deepEqual(disk.tags, { team: 'storage' });
    assert.equal(disk.sku?.name, 'Standard_LRS');
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.ok(disk.createdTime instanceof Date && disk.changedTime instanceof Date);
    assert.ok(disk.createdTime.getTime() <= disk.changedTime.getTime());
    const plain = (await listed(resources.resources.listByResourceGroup('gen-b')))[0];
    assert.equal(plain.createdTime, undefined, 'times only when $expand asks');
    assert.deepEqual(
      (await listed(resources.resources.listByResourceGroup('gen-a'))).map((r) => r.name),
      ['busybox', 'shelf', 'shelf/debian', 'web-nsg', 'web-net'],
    );
    await assert.rejects(
      listed(resources.resources.listByResourceGroup('nope')),
      armRefusal(404, 'ResourceGroupNotFound'),
    );
  });

  it('filters as ARM does', async () => {
    assert.deepEqual(await names("resourceType eq 'microsoft.compute/GALLERIES'"), ['shelf']);
    assert.deepEqual(await names("resourceType eq 'Microsoft.Compute/galleries/images'"), ['shelf/debian']);
    assert.deepEqual(await names("name eq 'WEB-NET'"), ['web-net']);
    assert.deepEqual(await names("substringof('web', name)"), ['web-net', 'web-nsg']);
    assert.deepEqual(await names("substringof('web', name) or substringof('box', name)"), [
      'busybox',
      'web-net',
      'web-nsg',
    ]);
    assert.deepEqual(await names("location eq 'East US'"), ['data']);
    assert.deepEqual(await names("resourceGroup eq 'GEN-B'"), ['data']);
    // What az resource list -g G --resource-type T sends.
    assert.deepEqual(await names("resourceGroup eq 'gen-a' and resourceType eq 'Microsoft.Compute/images'"), [
      'busybox',
    ]);
    assert.deepEqual(await names("resourceType ne 'Microsoft.Compute/galleries/images'", 'gen-a'), [
      'busybox',
      'shelf',
      'web-net',
      'web-nsg',
    ]);
    assert.deepEqual(await names("tagName eq 'ENV'"), ['busybox', 'shelf']);
    assert.deepEqual(await names("tagName eq 'env' and tagValue eq 'prod'"), ['shelf']);
    assert.deepEqual(await names("tagName eq 'env' and tagValue eq 'PROD'"), [], 'tag values keep their case');
    assert.deepEqual(await names("startswith(tagName, 'te')"), ['data']);
    assert.deepEqual(await names("resourceType eq 'Microsoft.Storage/storageAccounts'"), []);
    for (const filter of [
      "tagName eq 'env' and resourceType eq 'Microsoft.Compute/galleries'",
      "tagValue eq 'prod'",
      "plan eq 'x'",
      'name eq web',
      "substringof('a', location)",
      "name eq 'a' and",
    ])
      await assert.rejects(names(filter), armRefusal(400, 'InvalidFilterInQueryString', /Invalid \$filter/));
  });

  it('pages with $top and nextLink, each resource once, full pages under a filter', async () => {
    const pages: string[][] = [];
    for await (const page of resources.resources.list({ top: 2 }).byPage()) pages.push(page.map((r) => r.name!));
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 2],
    );
    assert.equal(new Set(pages.flat()).size, 6);
    const filtered: string[][] = [];
    for await (const page of resources.resources.list({ top: 1, filter: "substringof('e', name)" }).byPage())
      filtered.push(page.map((r) => r.name!));
    assert.deepEqual(filtered, [['shelf'], ['shelf/debian'], ['web-nsg'], ['web-net']]);
  });

  it('gets, puts, patches, deletes and checks existence by id', async () => {
    const definition = await resources.resources.getById(`${gallery()}/images/debian`, API.gallery);
    assert.equal(definition.type, 'Microsoft.Compute/galleries/images');
    assert.equal((definition.properties as { osType: string }).osType, 'Linux');
    const subnetId = `${id('gen-a', 'Microsoft.Network/virtualNetworks', 'web-net')}/subnets/default`;
    assert.equal((await resources.resources.getById(subnetId, API.network)).name, 'default');
    assert.equal((await resources.resources.checkExistenceById(gallery(), API.gallery)).body, true);
    assert.equal((await resources.resources.checkExistenceById(subnetId, API.network)).body, true);
    assert.equal((await resources.resources.checkExistenceById(`${gallery()}x`, API.gallery)).body, false);
    assert.equal((await resources.resources.checkExistenceById(group('gen-a'), API.resources)).body, true);

    const identityId = id('gen-b', 'Microsoft.ManagedIdentity/userAssignedIdentities', 'fetcher');
    const made = await resources.resources.beginCreateOrUpdateByIdAndWait(identityId, API.identity, {
      location: 'eastus',
      tags: { made: 'by-id' },
    });
    assert.match((made.properties as { principalId: string }).principalId, /^[0-9a-f-]{36}$/);
    const patched = await resources.resources.beginUpdateByIdAndWait(gallery(), API.gallery, {
      tags: { env: 'prod', patched: 'yes' },
    });
    assert.deepEqual(patched.tags, { env: 'prod', patched: 'yes' });
    await resources.resources.beginUpdateByIdAndWait(gallery(), API.gallery, { tags: { env: 'prod' } });
    await resources.resources.beginDeleteByIdAndWait(identityId, API.identity);
    assert.equal((await resources.resources.checkExistenceById(identityId, API.identity)).body, false);

    await assert.rejects(
      resources.resources.getById(id('gen-a', 'Microsoft.Compute', 'fooBars/x'), API.compute),
      armRefusal(400, 'InvalidResourceType', /'fooBars' could not be found in the namespace 'Microsoft.Compute'/),
    );
    await assert.rejects(
      resources.resources.getById(`${gallery()}/widgets/w`, API.gallery),
      armRefusal(400, 'InvalidResourceType', /'galleries\/widgets'/),
    );
    await assert.rejects(
      resources.resources.getById(id('gen-a', 'Microsoft.Storage/storageAccounts', 'acct'), '2023-01-01'),
      armRefusal(400, 'NoRegisteredProviderFound', /Microsoft\.Compute/),
    );
    // Subnets have no PATCH in Microsoft.Network.
    await assert.rejects(
      resources.resources.beginUpdateByIdAndWait(subnetId, API.network, {}),
      armRefusal(405, 'MethodNotAllowed'),
    );
  });

  it("reads an image template's run output by id", async () => {
    const builder = new ImageBuilderClient(kiln.credential, sub, { endpoint: kiln.url });
    await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait('gen-a', 'tpl', {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId: id('gen-a', 'Microsoft.Compute/images', 'busybox') },
      customize: [{ type: 'Shell', name: 'hello', inline: ['echo hello > /etc/motd'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    await builder.virtualMachineImageTemplates.beginRunAndWait('gen-a', 'tpl');
    const outputId = `${id('gen-a', 'Microsoft.VirtualMachineImages/imageTemplates', 'tpl')}/runOutputs/vhd`;
    const output = await resources.resources.getById(outputId, API.builder);
    assert.equal(output.type, 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs');
    assert.match((output.properties as { artifactUri: string }).artifactUri, /\.vhd/);
    assert.equal((await resources.resources.checkExistenceById(outputId, API.builder)).body, true);
    // A run output is its provider's: reached by id, never listed.
    assert.deepEqual(await names("resourceType eq 'Microsoft.VirtualMachineImages/imageTemplates'"), ['tpl']);
    assert.deepEqual(await names("resourceType eq 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs'"), []);
  });

  it('tags a resource, a group and the subscription: merge, replace, delete, each change a new etag', async () => {
    const tags = resources.tagsOperations;
    const shelf = gallery();
    assert.deepEqual((await tags.getAtScope(shelf)).properties?.tags, { env: 'prod' });
    const { etag: networkEtag } = await network.virtualNetworks.get('gen-a', 'web-net');

    const merged = await tags.beginUpdateAtScopeAndWait(shelf, {
      operation: 'Merge',
      properties: { tags: { ENV: 'staging', tier: 'gold' } },
    });
    assert.equal(merged.id, `${shelf}/providers/Microsoft.Resources/tags/default`);
    assert.deepEqual(
      merged.properties?.tags,
      { ENV: 'staging', tier: 'gold' },
      'a name in another case is the same tag',
    );
    assert.deepEqual((await compute.galleries.get('gen-a', 'shelf')).tags, { ENV: 'staging', tier: 'gold' });

    const deleted = await tags.beginUpdateAtScopeAndWait(shelf, {
      operation: 'Delete',
      properties: { tags: { ENV: 'other', tier: '' } },
    });
    assert.deepEqual(
      deleted.properties?.tags,
      { ENV: 'staging' },
      'a value given must match; an empty one matches any',
    );
    await tags.beginCreateOrUpdateAtScopeAndWait(shelf, { properties: { tags: { env: 'prod' } } });
    assert.deepEqual((await compute.galleries.get('gen-a', 'shelf')).tags, { env: 'prod' });

    // Microsoft.Network shows its etag in the body: a tag change moves it.
    const net = id('gen-a', 'Microsoft.Network/virtualNetworks', 'web-net');
    await tags.beginCreateOrUpdateAtScopeAndWait(net, { properties: { tags: { app: 'web' } } });
    const tagged = await network.virtualNetworks.get('gen-a', 'web-net');
    assert.deepEqual(tagged.tags, { app: 'web' });
    assert.notEqual(tagged.etag, networkEtag);
    await tags.beginDeleteAtScopeAndWait(net);
    assert.equal((await network.virtualNetworks.get('gen-a', 'web-net')).tags, undefined);
    assert.deepEqual((await tags.getAtScope(net)).properties?.tags, {});

    await tags.beginUpdateAtScopeAndWait(group('gen-a'), {
      operation: 'Replace',
      properties: { tags: { owner: 'ops' } },
    });
    assert.deepEqual((await resources.resourceGroups.get('gen-a')).tags, { owner: 'ops' });
    const subscription = `/subscriptions/${sub}`;
    assert.deepEqual((await tags.getAtScope(subscription)).properties?.tags, {});
    await tags.beginCreateOrUpdateAtScopeAndWait(subscription, { properties: { tags: { costCenter: '42' } } });
    assert.deepEqual((await tags.getAtScope(subscription)).properties?.tags, { costCenter: '42' });
  });

  it('checks tags as ARM does and refuses what carries none, changing nothing', async () => {
    const tags = resources.tagsOperations;
    const shelf = gallery();
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    await assert.rejects(
      tags.beginCreateOrUpdateAtScopeAndWait(shelf, { properties: { tags: many } }),
      armRefusal(400, 'InvalidTag', /50/),
    );
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'v']));
    await assert.rejects(
      tags.beginUpdateAtScopeAndWait(shelf, { operation: 'Merge', properties: { tags: fifty } }),
      armRefusal(400, 'InvalidTag', /51 were given/),
    );
    await assert.rejects(
      tags.beginCreateOrUpdateAtScopeAndWait(shelf, { properties: { tags: { 'a/b': 'x' } } }),
      armRefusal(400, 'InvalidTagNameCharacters'),
    );
    await assert.rejects(
      tags.beginCreateOrUpdateAtScopeAndWait(shelf, { properties: { tags: { long: 'v'.repeat(257) } } }),
      armRefusal(400, 'InvalidTag'),
    );
    await assert.rejects(
      tags.beginUpdateAtScopeAndWait(shelf, { operation: 'Sort' as 'Merge', properties: { tags: {} } }),
      armRefusal(400, 'InvalidRequestContent', /Merge, Replace, Delete/),
    );
    assert.deepEqual((await compute.galleries.get('gen-a', 'shelf')).tags, { env: 'prod' });
    await assert.rejects(
      tags.getAtScope(`${id('gen-a', 'Microsoft.Network/virtualNetworks', 'web-net')}/subnets/default`),
      armRefusal(400, 'BadRequest', /does not support tags/),
    );
    await assert.rejects(tags.getAtScope(`${gallery()}-gone`), armRefusal(404, 'ResourceNotFound'));
  });

  it('lists tag names with their counts, and predefined names and values', async () => {
    const tags = resources.tagsOperations;
    await tags.createOrUpdate('release');
    await tags.createOrUpdateValue('release', '2024');
    await assert.rejects(tags.createOrUpdate('azureThing'), armRefusal(400, 'InvalidTagName'));
    const details = [];
    for await (const detail of tags.list()) details.push(detail);
    const byName = new Map(details.map((d) => [d.tagName, d]));
    assert.equal(byName.get('env')?.count?.value, 2, 'the gallery and the image');
    assert.deepEqual(
      byName
        .get('env')
        ?.values?.map((v) => [v.tagValue, v.count?.value])
        .sort(),
      [
        ['prod', 1],
        ['test', 1],
      ],
    );
    assert.equal(byName.get('costCenter')?.count?.value, 1, 'the subscription');
    assert.equal(byName.get('release')?.count?.value, 0);
    assert.deepEqual(
      byName.get('release')?.values?.map((v) => v.tagValue),
      ['2024'],
    );
    await assert.rejects(tags.delete('release'), armRefusal(409, 'Conflict', /values '2024'/));
    await tags.deleteValue('release', '2024');
    await tags.delete('release');
    for await (const detail of tags.list()) assert.notEqual(detail.tagName, 'release');
  });

  it('lets a Tag Contributor tag what it may not change, and a Reader neither', async () => {
    const disk = id('gen-b', 'Microsoft.Compute/disks', 'data');
    const tagger = new ResourceManagementClient(
      await principalCredential(kiln, 'tagger', 'Tag Contributor', group('gen-b')),
      sub,
      { endpoint: kiln.url },
    );
    await tagger.tagsOperations.beginUpdateAtScopeAndWait(disk, {
      operation: 'Merge',
      properties: { tags: { by: 'tagger' } },
    });
    assert.deepEqual((await compute.disks.get('gen-b', 'data')).tags, { team: 'storage', by: 'tagger' });
    await assert.rejects(
      tagger.resources.beginUpdateByIdAndWait(disk, API.disk, { tags: {} }),
      armRefusal(403, 'AuthorizationFailed', /Microsoft\.Compute\/disks\/write/),
    );
    const reader = new ResourceManagementClient(
      await principalCredential(kiln, 'tag reader', 'Reader', group('gen-b')),
      sub,
      { endpoint: kiln.url },
    );
    assert.deepEqual((await reader.tagsOperations.getAtScope(disk)).properties?.tags, {
      team: 'storage',
      by: 'tagger',
    });
    await assert.rejects(
      reader.tagsOperations.beginCreateOrUpdateAtScopeAndWait(disk, { properties: { tags: {} } }),
      armRefusal(403, 'AuthorizationFailed', /Microsoft\.Resources\/tags\/write/),
    );
    // Only what it may read: the group it reads.
    assert.deepEqual(
      (await listed(reader.resources.list())).map((r) => r.name),
      ['data'],
    );
    await tagger.tagsOperations.beginUpdateAtScopeAndWait(disk, {
      operation: 'Delete',
      properties: { tags: { by: '' } },
    });
  });

  it('exports a group as a template that names parameters, dependencies and no server-set field', async () => {
    const exported = await resources.resourceGroups.beginExportTemplateAndWait('gen-a', {
      resources: ['*'],
      options: 'IncludeParameterDefaultValue,IncludeComments',
    });
    const template = exported.template as {
      $schema: string;
      contentVersion: string;
      parameters: Record<string, { defaultValue?: string; type: string }>;
      resources: TemplateResource[];
    };
    assert.match(template.$schema, /deploymentTemplate\.json#$/);
    assert.equal(template.contentVersion, '1.0.0.0');
    assert.deepEqual(template.parameters.galleries_shelf_name, { defaultValue: 'shelf', type: 'String' });
    assert.deepEqual(template.parameters.virtualNetworks_web_net_name, { defaultValue: 'web-net', type: 'String' });
    const byType = new Map(template.resources.map((r) => [r.type, r]));
    const definition = byType.get('Microsoft.Compute/galleries/images')!;
    assert.equal(definition.name, "[concat(parameters('galleries_shelf_name'), '/debian')]");
    assert.equal(definition.apiVersion, '2026-03-03', 'the newest stable api-version Kiln serves');
    assert.deepEqual(definition.dependsOn, [
      "[resourceId('Microsoft.Compute/galleries', parameters('galleries_shelf_name'))]",
    ]);
    assert.equal(definition.comments, `Generalized from resource: '${gallery()}/images/debian'.`);
    const vnet = byType.get('Microsoft.Network/virtualNetworks')!;
    assert.deepEqual((vnet.properties.subnets as unknown[])[0], {
      name: 'default',
      properties: {
        delegations: [],
        privateEndpointNetworkPolicies: 'Disabled',
        privateLinkServiceNetworkPolicies: 'Enabled',
        networkSecurityGroup: {
          id: "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('networkSecurityGroups_web_nsg_name'))]",
        },
        addressPrefix: '10.1.0.0/24',
      },
    });
    assert.deepEqual(vnet.dependsOn, [
      "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('networkSecurityGroups_web_nsg_name'))]",
    ]);
    const text = JSON.stringify(template.resources.map(({ comments: _comments, ...resource }) => resource));
    for (const serverSet of ['provisioningState', 'resourceGuid', 'uniqueName', 'defaultSecurityRules', 'etag'])
      assert.ok(!text.includes(serverSet), `${serverSet} is not exported`);
    assert.ok(!text.includes(sub), 'every id of the group became an expression');
    const source = byType.get('Microsoft.VirtualMachineImages/imageTemplates')!.properties.source;
    assert.equal(
      (source as { imageId: string }).imageId,
      "[resourceId('Microsoft.Compute/images', parameters('images_busybox_name'))]",
    );
    assert.equal(exported.error, undefined);
  });

  it('exports one resource, names what it cannot export, and refuses ids of other groups', async () => {
    const one = await resources.resourceGroups.beginExportTemplateAndWait('gen-a', {
      resources: [`${gallery()}/images/debian`, `${gallery()}/images/gone`],
      options: 'SkipResourceNameParameterization',
    });
    const template = one.template as { parameters: object; resources: Array<{ name: string; dependsOn?: string[] }> };
    assert.deepEqual(
      template.resources.map((r) => [r.name, r.dependsOn]),
      [['shelf/debian', undefined]],
    );
    assert.equal(one.error?.code, 'ExportTemplateCompletedWithErrors');
    assert.deepEqual(
      one.error?.details?.map((d) => d.code),
      ['ResourceNotFound'],
    );
    await assert.rejects(
      resources.resourceGroups.beginExportTemplateAndWait('gen-a', {
        resources: [id('gen-b', 'Microsoft.Compute/disks', 'data')],
      }),
      armRefusal(400, 'InvalidResourceId'),
    );
  });

  it('deploys the exported template into another group, the copies reading as the originals', async () => {
    const exported = await resources.resourceGroups.beginExportTemplateAndWait('gen-a', {
      resources: ['*'],
      options: 'IncludeParameterDefaultValue',
    });
    await resources.resourceGroups.createOrUpdate('gen-copy', { location: 'westus' });
    const deployments = new DeploymentsClient(kiln.credential, sub, { endpoint: kiln.url });
    const done = await deployments.deployments.createOrUpdate(
      'gen-copy',
      'from-export',
      { properties: { mode: 'Incremental', template: exported.template } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    const copies = await listed(resources.resources.listByResourceGroup('gen-copy'));
    assert.deepEqual(copies.map((r) => r.name).sort(), [
      'busybox',
      'shelf',
      'shelf/debian',
      'tpl',
      'web-net',
      'web-nsg',
    ]);
    const subnet = await network.subnets.get('gen-copy', 'web-net', 'default');
    assert.equal(subnet.networkSecurityGroup?.id, id('gen-copy', 'Microsoft.Network/networkSecurityGroups', 'web-nsg'));
    const definition = await compute.galleryImages.get('gen-copy', 'shelf', 'debian');
    assert.deepEqual(definition.identifier, { publisher: 'p', offer: 'o', sku: 's' });
    const builder = new ImageBuilderClient(kiln.credential, sub, { endpoint: kiln.url });
    const template = await builder.virtualMachineImageTemplates.get('gen-copy', 'tpl');
    assert.equal(template.provisioningState, 'Succeeded');
    assert.equal(
      (template.source as { imageId: string }).imageId,
      id('gen-copy', 'Microsoft.Compute/images', 'busybox'),
    );
  });

  it('refuses to move resources, changing nothing', async () => {
    const move = {
      resources: [id('gen-b', 'Microsoft.Compute/disks', 'data')],
      targetResourceGroup: group('gen-a'),
    };
    await assert.rejects(
      resources.resources.beginValidateMoveResourcesAndWait('gen-b', move),
      armRefusal(409, 'ResourceMoveValidationFailed', /Microsoft\.Compute\/disks.*exportTemplate/s),
    );
    await assert.rejects(
      resources.resources.beginMoveResourcesAndWait('gen-b', move),
      armRefusal(409, 'ResourceMoveValidationFailed'),
    );
    await assert.rejects(
      resources.resources.beginMoveResourcesAndWait('gen-b', { resources: [], targetResourceGroup: 'x' }),
      armRefusal(400, 'InvalidParameter'),
    );
    assert.equal((await compute.disks.get('gen-b', 'data')).id, move.resources[0]);
  });
});
