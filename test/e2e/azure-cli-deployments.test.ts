// Debian's azure-cli (2.45), unmodified, deploying ARM templates to Kiln: the seed's template format
// (an image template resource with type, apiVersion and dependsOn) beside the gallery and definition it
// distributes to, deployed with `az deployment group create` and built by its `autoRun` into a gallery
// version; validate, what-if, operations, show, list, export and delete; a failing deployment.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootstrapBusybox } from '../../src/app/busybox-base.ts';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'deployed';

/** A gallery, a definition, and an image template that builds into it as soon as it is created. */
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: {
    galleryName: { type: 'string' },
  },
  variables: {
    definitionId: "[resourceId('Microsoft.Compute/galleries/images', parameters('galleryName'), 'busybox')]",
  },
  resources: [
    {
      type: 'Microsoft.Compute/galleries',
      apiVersion: '2021-10-01',
      name: "[parameters('galleryName')]",
      location: '[resourceGroup().location]',
      properties: { description: 'deployed by az' },
    },
    {
      type: 'Microsoft.Compute/galleries/images',
      apiVersion: '2021-10-01',
      name: "[concat(parameters('galleryName'), '/busybox')]",
      location: '[resourceGroup().location]',
      dependsOn: ["[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]"],
      properties: {
        osType: 'Linux',
        osState: 'Generalized',
        hyperVGeneration: 'V1',
        identifier: { publisher: 'kiln', offer: 'busybox', sku: 'deployed' },
      },
    },
    {
      type: 'Microsoft.VirtualMachineImages/imageTemplates',
      apiVersion: '2024-02-01',
      name: 'busybox-template',
      location: '[resourceGroup().location]',
      tags: { imagebuilderTemplate: 'busybox' },
      dependsOn: ["[variables('definitionId')]"],
      properties: {
        buildTimeoutInMinutes: 20,
        source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
        customize: [{ type: 'Shell', name: 'motd', inline: ['echo "deployed by az" > /etc/motd'] }],
        distribute: [
          {
            type: 'SharedImage',
            galleryImageId: "[variables('definitionId')]",
            runOutputName: 'busybox-version',
            targetRegions: [{ name: '[resourceGroup().location]', replicaCount: 1 }],
          },
        ],
        autoRun: { state: 'Enabled' },
      },
    },
  ],
  outputs: {
    galleryId: { type: 'string', value: "[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]" },
    uniqueName: { type: 'string', value: "[reference(parameters('galleryName')).identifier.uniqueName]" },
  },
};

describe(
  'az deployment against Kiln',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    let templateFile: string;
    /** The flags that deploy a template file to the group, naming the gallery. */
    const deploying = (file: string) => ['-g', RG, '-f', file, '-p', 'galleryName=shelf'];

    before(async () => {
      server = await startTestServer();
      await bootstrapBusybox(server.server.kiln, { sizeMiB: 48 });
      cli = await signedInAzureCli(server);
      templateFile = join(cli.work, 'template.json');
      await writeFile(templateFile, JSON.stringify(template, null, 2));
      await cli.az('group', 'create', '-n', RG, '-l', 'westus');
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
    });

    it('az deployment group create: a gallery, a definition and an image template whose autoRun builds a version', async () => {
      const deployed = await cli.az('deployment', 'group', 'create', ...deploying(templateFile));
      assert.equal(deployed.name, 'template', 'az names the deployment after the template file');
      assert.equal(deployed.properties.provisioningState, 'Succeeded');
      const gallery = await cli.az('sig', 'show', '-g', RG, '-r', 'shelf');
      assert.equal(deployed.properties.outputs.galleryId.value, gallery.id);
      assert.equal(deployed.properties.outputs.uniqueName.value, gallery.identifier.uniqueName);

      let state = '';
      for (let i = 0; i < 240 && !['Succeeded', 'Failed', 'Canceled'].includes(state); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        state = await cli.az(
          'image',
          'builder',
          'show',
          '-g',
          RG,
          '-n',
          'busybox-template',
          '--query',
          'lastRunStatus.runState',
        );
      }
      assert.equal(state, 'Succeeded');
      assert.deepEqual(
        await cli.az('sig', 'image-version', 'list', '-g', RG, '-r', 'shelf', '-i', 'busybox', '--query', '[].name'),
        ['1.0.0'],
      );
    });

    it('az deployment group validate, what-if, operation list, show, list, export and delete', async () => {
      const valid = await cli.az('deployment', 'group', 'validate', ...deploying(templateFile));
      assert.equal(valid.properties.provisioningState, 'Succeeded');

      const changed = structuredClone(template);
      changed.resources[0].properties = { description: 'changed by what-if' };
      const changedFile = join(cli.work, 'changed.json');
      await writeFile(changedFile, JSON.stringify(changed));
      const whatIf = await cli.az('deployment', 'group', 'what-if', ...deploying(changedFile), '--no-pretty-print');
      const gallery = whatIf.changes.find((c: { resourceId: string }) => c.resourceId.endsWith('/galleries/shelf'));
      assert.equal(gallery.changeType, 'Modify');
      assert.equal(gallery.delta[0].path, 'properties.description');
      const pretty = await cli.run('deployment', 'group', 'what-if', ...deploying(changedFile));
      assert.equal(pretty.status, 0, pretty.stderr);
      assert.match(pretty.stdout, /~ Microsoft\.Compute\/galleries\/shelf/);

      const operations = await cli.az('deployment', 'operation', 'group', 'list', '-g', RG, '-n', 'template');
      assert.deepEqual(
        operations
          .map(
            (o: { properties: { targetResource: { resourceType: string } } }) =>
              o.properties.targetResource.resourceType,
          )
          .sort(),
        [
          'Microsoft.Compute/galleries',
          'Microsoft.Compute/galleries/images',
          'Microsoft.VirtualMachineImages/imageTemplates',
        ],
      );
      assert.equal(
        await cli.az(
          'deployment',
          'group',
          'show',
          '-g',
          RG,
          '-n',
          'template',
          '--query',
          'properties.provisioningState',
        ),
        'Succeeded',
      );
      assert.deepEqual(await cli.az('deployment', 'group', 'list', '-g', RG, '--query', '[].name'), ['template']);
      assert.deepEqual(await cli.az('deployment', 'group', 'export', '-g', RG, '-n', 'template'), template);
      await cli.az('deployment', 'group', 'delete', '-g', RG, '-n', 'template');
      assert.deepEqual(await cli.az('deployment', 'group', 'list', '-g', RG, '--query', '[].name'), []);
      assert.equal(
        (await cli.az('sig', 'show', '-g', RG, '-r', 'shelf')).name,
        'shelf',
        'deleting the deployment keeps what it made',
      );
    });

    it('a failing deployment: az exits non-zero and names the resource that failed', async () => {
      const broken = {
        $schema: template.$schema,
        contentVersion: '1.0.0.0',
        resources: [
          {
            type: 'Microsoft.Compute/galleries/images',
            apiVersion: '2021-10-01',
            name: 'shelf/broken',
            location: 'westus',
            properties: {
              osType: 'Plan9',
              osState: 'Generalized',
              identifier: { publisher: 'p', offer: 'o', sku: 's' },
            },
          },
        ],
      };
      const file = join(cli.work, 'broken.json');
      await writeFile(file, JSON.stringify(broken));
      const failed = await cli.run('deployment', 'group', 'create', '-g', RG, '-f', file);
      assert.notEqual(failed.status, 0);
      assert.match(failed.stderr, /DeploymentFailed/);
      assert.match(failed.stderr, /shelf\/broken/);
      const invalid = await cli.run(
        'deployment',
        'group',
        'create',
        '-g',
        RG,
        '-f',
        templateFile,
        '-p',
        'galleryName=x',
        'nope=1',
      );
      assert.notEqual(invalid.status, 0);
    });
  },
);
