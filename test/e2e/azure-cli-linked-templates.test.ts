// Debian's azure-cli (2.45), unmodified, deploying a template by URI: `az deployment group create
// --template-uri --query-string` sends a templateLink that Kiln fetches from a loopback HTTP server the
// test starts (allowed through the server's build.downloads.allowHosts), and the template's nested
// deployment, linked by a relativePath, is fetched from beside it with the same query string.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

const documents: Record<string, unknown> = {
  '/linked/main.json': {
    $schema: SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: { galleryName: { type: 'string' } },
    resources: [
      {
        type: 'Microsoft.Resources/deployments',
        apiVersion: '2020-10-01',
        name: 'gallery',
        properties: {
          mode: 'Incremental',
          templateLink: { relativePath: 'nested/gallery.json' },
          parameters: { name: { value: "[parameters('galleryName')]" } },
        },
      },
    ],
    outputs: { galleryId: { type: 'string', value: "[reference('gallery').outputs.id.value]" } },
  },
  '/linked/nested/gallery.json': {
    $schema: SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: { name: { type: 'string' } },
    resources: [
      {
        type: 'Microsoft.Compute/galleries',
        apiVersion: '2021-10-01',
        name: "[parameters('name')]",
        location: '[resourceGroup().location]',
      },
    ],
    outputs: { id: { type: 'string', value: "[resourceId('Microsoft.Compute/galleries', parameters('name'))]" } },
  },
};

describe(
  'az deployment group create --template-uri against Kiln',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let files: Server;
    let base: string;
    const requested: string[] = [];
    let server: TestServer;
    let cli: AzureCli;

    before(async () => {
      files = createServer((request, response) => {
        requested.push(request.url!);
        const body = documents[new URL(request.url!, 'http://x').pathname];
        response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body ?? { error: 'not found' }));
      });
      await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
      const host = `127.0.0.1:${(files.address() as AddressInfo).port}`;
      base = `http://${host}`;
      server = await startTestServer({ config: { build: { downloads: { allowHosts: [host] } } } });
      cli = await signedInAzureCli(server);
      await cli.az('group', 'create', '-n', 'linked', '-l', 'westus');
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
      files?.close();
    });

    it('deploys the linked template and its relative child, the query string on both', async () => {
      const uri = `${base}/linked/main.json`;
      const deployed = await cli.az(
        'deployment',
        'group',
        'create',
        '-g',
        'linked',
        '-n',
        'by-uri',
        '--template-uri',
        uri,
        '--query-string',
        'sv=1&sig=az',
        '-p',
        'galleryName=azlinked',
      );
      assert.equal(deployed.properties.provisioningState, 'Succeeded');
      assert.equal(deployed.properties.templateLink.uri, uri);
      const gallery = await cli.az('sig', 'show', '-g', 'linked', '-r', 'azlinked');
      assert.equal(deployed.properties.outputs.galleryId.value, gallery.id);
      const nested = await cli.az('deployment', 'group', 'show', '-g', 'linked', '-n', 'gallery');
      assert.equal(nested.properties.templateLink.uri, `${base}/linked/nested/gallery.json`);
      assert.ok(
        requested.includes('/linked/nested/gallery.json?sv=1&sig=az'),
        `Kiln fetched the child with the query string: ${requested.join(', ')}`,
      );
    });
  },
);
