// Linked templates and parameter files through the official @azure/arm-resourcesdeployments client
// against a started server: Kiln fetches `templateLink` and `parametersLink` as ARM does, from a
// loopback HTTP server the test starts (allowed through the server's build.downloads.allowHosts) and
// from a public container of Kiln's own blob storage; a nested deployment's `relativePath` resolves
// against its parent's link and carries the parent's queryString; refusals (a host the policy does not
// allow, 404, not JSON, too large, a content version that does not match, a private container, a
// relativePath with no parent link) are 400s at the link's JSON path with nothing kept.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import { ContainerClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ArmError } from '../../src/core/arm-error.ts';
import { validateDeployment } from '../../src/domain/deployments/preflight.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'linked-rg';
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

/** A gallery, and a nested deployment of an image definition linked by a path relative to this template. */
const mainTemplate = {
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  parameters: { galleryName: { type: 'string' } },
  resources: [
    {
      type: 'Microsoft.Compute/galleries',
      apiVersion: '2022-03-03',
      name: "[parameters('galleryName')]",
      location: '[resourceGroup().location]',
    },
    {
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: 'linked-definition',
      dependsOn: ["[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]"],
      properties: {
        mode: 'Incremental',
        templateLink: { relativePath: 'children/definition.json', contentVersion: '1.0.0.0' },
        parameters: { galleryName: { value: "[parameters('galleryName')]" } },
      },
    },
  ],
  outputs: {
    self: { type: 'string', value: '[deployment().properties.templateLink.uri]' },
    sibling: { type: 'string', value: "[uri(deployment().properties.templateLink.uri, 'children/definition.json')]" },
    childFrom: { type: 'string', value: "[reference('linked-definition').outputs.from.value]" },
  },
};

/** The linked child, served with a comment as Json.NET (ARM's reader) takes it. */
const childTemplate = `{
  // An image definition in the parent's gallery.
  "$schema": "${SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": { "galleryName": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.Compute/galleries/images",
      "apiVersion": "2022-03-03",
      "name": "[concat(parameters('galleryName'), '/linked-def')]",
      "location": "[resourceGroup().location]",
      "properties": { "osType": "Linux", "osState": "Generalized", "identifier": { "publisher": "kiln", "offer": "linked", "sku": "child" } }
    }
  ],
  "outputs": { "from": { "type": "string", "value": "[deployment().properties.templateLink.uri]" } }
}`;

const galleryOnly = (name: string) => ({
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.Compute/galleries', apiVersion: '2022-03-03', name, location: '[resourceGroup().location]' },
  ],
});

/** A model as the SDK gives it, without the members it sets to undefined. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** What the test's HTTP server answers, by path. */
const documents: Record<string, string> = {
  '/templates/main.json': JSON.stringify(mainTemplate),
  '/templates/children/definition.json': childTemplate,
  '/templates/main.parameters.json': JSON.stringify({
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
    contentVersion: '1.0.0.0',
    parameters: { galleryName: { value: 'linkedgal' } },
  }),
  '/templates/readme.txt': 'This is not a template.',
  // One byte past ARM's 4 MiB.
  '/templates/huge.json': `{"padding":"${'x'.repeat(4 * 1024 * 1024 - 13)}"}`,
};

describe('linked deployment templates with @azure/arm-resourcesdeployments', () => {
  let kiln: TestServer;
  let files: Server;
  let base: string;
  const requested: string[] = [];
  let deployments: DeploymentsClient;
  let compute: ComputeManagementClient;

  before(async () => {
    files = createServer((request, response) => {
      requested.push(request.url!);
      const body = documents[new URL(request.url!, 'http://x').pathname];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(body ?? '{"error":"not found"}');
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(files.address() as AddressInfo).port}`;
    base = `http://${host}`;
    kiln = await startTestServer({ config: { build: { downloads: { allowHosts: [host] } } } });
    deployments = new DeploymentsClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(RG, { location: 'westus' });
  });
  after(async () => {
    await kiln?.stop();
    files?.close();
  });

  /** A PUT over raw HTTPS, so a refusal's `target` can be read. */
  async function putRaw(name: string, properties: Record<string, unknown>) {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(
      `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments/${name}?api-version=2021-04-01`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { mode: 'Incremental', ...properties } }),
      },
    );
    const body = (await response.json()) as { error: { code: string; message: string; target?: string } };
    return { status: response.status, error: body.error };
  }

  /** A PUT refused with `code` at `target`, its message matching `pattern`, and no deployment kept. */
  async function assertRefused(
    name: string,
    properties: Record<string, unknown>,
    code: string,
    target: string,
    pattern: RegExp,
  ) {
    const { status, error } = await putRaw(name, properties);
    assert.equal(status, 400, JSON.stringify(error));
    assert.deepEqual([error.code, error.target], [code, target], error.message);
    assert.match(error.message, pattern);
    await assert.rejects(deployments.deployments.get(RG, name), armRefusal(404, 'DeploymentNotFound'));
  }

  it('deploys a template and parameters file by URI, its nested deployment linked by a relative path', async () => {
    const templateLink = { uri: `${base}/templates/main.json`, contentVersion: '1.0.0.0', queryString: 'sv=1&sig=abc' };
    const parametersLink = { uri: `${base}/templates/main.parameters.json` };
    const valid = await deployments.deployments.validate(RG, 'linked', {
      properties: { mode: 'Incremental', templateLink, parametersLink },
    });
    assert.equal(valid.properties?.validatedResources?.length, 2);

    const done = await deployments.deployments.createOrUpdate(
      RG,
      'linked',
      { properties: { mode: 'Incremental', templateLink, parametersLink } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    const child = `${base}/templates/children/definition.json`;
    assert.deepEqual(done.properties?.outputs, {
      self: { type: 'String', value: templateLink.uri },
      sibling: { type: 'String', value: child },
      childFrom: { type: 'String', value: child },
    });
    assert.equal((await compute.galleryImages.get(RG, 'linkedgal', 'linked-def')).identifier?.sku, 'child');
    assert.ok(
      requested.includes('/templates/main.json?sv=1&sig=abc') &&
        requested.includes('/templates/children/definition.json?sv=1&sig=abc'),
      `the queryString goes with the template and its relative child: ${requested.join(', ')}`,
    );

    const shown = await deployments.deployments.get(RG, 'linked');
    assert.deepEqual(plain(shown.properties?.templateLink), templateLink, 'the links are shown as given');
    assert.deepEqual(plain(shown.properties?.parametersLink), parametersLink);
    assert.deepEqual(shown.properties?.parameters, { galleryName: { type: 'String', value: 'linkedgal' } });
    assert.deepEqual((await deployments.deployments.exportTemplate(RG, 'linked')).template, mainTemplate);
    const nested = await deployments.deployments.get(RG, 'linked-definition');
    assert.deepEqual(plain(nested.properties?.templateLink), {
      relativePath: 'children/definition.json',
      contentVersion: '1.0.0.0',
      uri: child,
      queryString: 'sv=1&sig=abc',
    });
    assert.deepEqual(
      (await deployments.deployments.exportTemplate(RG, 'linked-definition')).template,
      JSON.parse(childTemplate.replace(/^\s*\/\/.*$/m, '')),
    );

    const whatIf = await deployments.deployments.whatIf(RG, 'linked', {
      properties: { mode: 'Incremental', templateLink, parametersLink },
    });
    const gallery = whatIf.changes?.find((c) => c.resourceId?.endsWith('/galleries/linkedgal'));
    assert.equal(gallery?.changeType, 'NoChange');
  });

  it('deploys a template from a public container of Kiln blob storage, and refuses a private one', async () => {
    const upload = async (container: string, name: string, text: string) =>
      new ContainerClient(`${kiln.url}/blob/westus/${container}`, kiln.credential)
        .getBlockBlobClient(name)
        .upload(text, Buffer.byteLength(text));
    await new ContainerClient(`${kiln.url}/blob/westus/templates`, kiln.credential).setAccessPolicy('blob');
    await upload('templates', 'gallery.json', JSON.stringify(galleryOnly('blobgal')));
    const done = await deployments.deployments.createOrUpdate(
      RG,
      'from-blob',
      { properties: { mode: 'Incremental', templateLink: { uri: `${kiln.url}/blob/westus/templates/gallery.json` } } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    assert.equal((await compute.galleries.get(RG, 'blobgal')).name, 'blobgal');

    // The deploying principal may read it, but ARM fetches links without credentials.
    await upload('private-templates', 'gallery.json', JSON.stringify(galleryOnly('privategal')));
    await assertRefused(
      'from-private-blob',
      { templateLink: { uri: `${kiln.url}/blob/westus/private-templates/gallery.json` } },
      'InvalidContentLink',
      'properties.templateLink.uri',
      /private-templates\/gallery\.json.*does not allow public read access/,
    );
  });

  it('refuses links it cannot fetch or use at their JSON paths, with nothing kept', async () => {
    const link = (path: string, more: Record<string, unknown> = {}) => ({
      templateLink: { uri: `${base}${path}`, ...more },
    });
    const port = new URL(base).port;
    await assertRefused(
      'other-host',
      { templateLink: { uri: `http://localhost:${port}/templates/main.json` } },
      'InvalidContentLink',
      'properties.templateLink.uri',
      /Unable to download deployment content from 'http:\/\/localhost:\d+\/templates\/main\.json'.*build\.downloads\.allowHosts/,
    );
    await assertRefused(
      'missing',
      link('/templates/missing.json'),
      'InvalidContentLink',
      'properties.templateLink.uri',
      /HTTP 404/,
    );
    await assertRefused(
      'not-json',
      link('/templates/readme.txt'),
      'InvalidContentLink',
      'properties.templateLink.uri',
      /not JSON/,
    );
    await assertRefused(
      'huge',
      link('/templates/huge.json'),
      'InvalidContentLink',
      'properties.templateLink.uri',
      /larger than 4 MiB/,
    );
    await assertRefused(
      'wrong-version',
      link('/templates/main.json', { contentVersion: '2.0.0.0' }),
      'InvalidContentLink',
      'properties.templateLink.contentVersion',
      /'1\.0\.0\.0' does not match .* '2\.0\.0\.0'/,
    );
    await assertRefused(
      'parameters-not-json',
      { ...link('/templates/main.json'), parametersLink: { uri: `${base}/templates/readme.txt` } },
      'InvalidContentLink',
      'properties.parametersLink.uri',
      /readme\.txt'.*not JSON/,
    );
    // A template is no parameters file: its parameters have no values.
    await assertRefused(
      'template-as-parameters',
      { ...link('/templates/main.json'), parametersLink: { uri: `${base}/templates/main.json` } },
      'InvalidRequestContent',
      'properties.parametersLink.uri',
      /In the parameters file at '.*main\.json': The parameter 'galleryName' must be an object with a 'value'/,
    );
    await assertRefused(
      'not-a-url',
      { templateLink: { uri: 'templates/main.json' } },
      'InvalidContentLink',
      'properties.templateLink.uri',
      /absolute http or https URI/,
    );
    await assertRefused(
      'template-spec',
      {
        templateLink: {
          id: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Resources/templateSpecs/t/versions/1`,
        },
      },
      'PropertyNotSupported',
      'properties.templateLink.id',
      /template specs/,
    );
    await assertRefused(
      'both',
      { ...link('/templates/main.json'), template: galleryOnly('never') },
      'InvalidDeployment',
      'properties.template',
      /both 'template' and 'templateLink'/,
    );
    // An inline template has no link for a nested relativePath to resolve against.
    await assertRefused(
      'relative-inline',
      { template: mainTemplate, parameters: { galleryName: { value: 'never' } } },
      'InvalidContentLink',
      'properties.template.resources[1].properties.templateLink.relativePath',
      /not linked by URI/,
    );
    await assert.rejects(compute.galleries.get(RG, 'never'), armRefusal(404, 'ResourceNotFound'));

    // A process that serves no API (`kiln build`) has no fetcher: a link is refused, never ignored.
    const withoutFetcher = { ...kiln.server.kiln.domain, documents: undefined };
    await assert.rejects(
      validateDeployment(
        withoutFetcher,
        { subscription: kiln.subscriptionId, resourceGroup: RG, name: 'no-fetcher' },
        { properties: { mode: 'Incremental', ...link('/templates/main.json') } },
      ),
      (error: unknown) =>
        error instanceof ArmError &&
        error.code === 'PropertyNotSupported' &&
        error.target === 'properties.templateLink' &&
        /only 'kiln serve' does/.test(error.message),
    );
  });
});
