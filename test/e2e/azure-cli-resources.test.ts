// Debian's azure-cli (2.45), unmodified, against Kiln's generic resource API: `az resource list` with
// its filters, `az resource show --ids` (the api-version az finds through Kiln's providers) on a gallery
// image definition and on an image template's run output, as the image builder docs read run outputs,
// `az resource tag` (az's GET then PUT of the whole resource), `az tag`, `az group export`, and
// `az resource move` refused.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe(
  'az resource, az tag and az group export against Kiln',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    let gallery: string;
    const names = (...args: string[]) => cli.az('resource', 'list', ...args, '--query', 'sort([].name)');

    before(async () => {
      server = await startTestServer();
      cli = await signedInAzureCli(server);
      await cli.az('group', 'create', '-n', 'res', '-l', 'westus');
      gallery = (await cli.az('sig', 'create', '-g', 'res', '-r', 'shelf', '--tags', 'env=prod')).id;
      await cli.az(
        'sig',
        'image-definition',
        'create',
        '-g',
        'res',
        '-r',
        'shelf',
        '-i',
        'debian',
        '--publisher',
        'p',
        '--offer',
        'o',
        '--sku',
        's',
        '--os-type',
        'Linux',
      );
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
    });

    it('az resource list with --resource-type, -g, --name and --tag', async () => {
      assert.deepEqual(await names('--resource-type', 'Microsoft.Compute/galleries'), ['shelf']);
      assert.deepEqual(await names('-g', 'res'), ['shelf', 'shelf/debian']);
      assert.deepEqual(await names('-g', 'res', '--resource-type', 'Microsoft.Compute/galleries/images'), [
        'shelf/debian',
      ]);
      assert.deepEqual(await names('--name', 'shelf'), ['shelf']);
      assert.deepEqual(await names('--tag', 'env=prod'), ['shelf']);
      const [listed] = await cli.az('resource', 'list', '-g', 'res', '--resource-type', 'Microsoft.Compute/galleries');
      assert.equal(listed.provisioningState, 'Succeeded');
      assert.equal(listed.resourceGroup, 'res');
      assert.ok(listed.createdTime, 'az asks for createdTime, changedTime and provisioningState');
    });

    it('az resource show --ids and by names; az resource tag; az resource delete', async () => {
      const definition = await cli.az('resource', 'show', '--ids', `${gallery}/images/debian`);
      assert.equal(definition.type, 'Microsoft.Compute/galleries/images');
      assert.equal(definition.properties.osType, 'Linux');
      const shown = await cli.az(
        'resource',
        'show',
        '-g',
        'res',
        '-n',
        'shelf',
        '--resource-type',
        'Microsoft.Compute/galleries',
      );
      assert.equal(shown.id, gallery);
      const tagged = await cli.az('resource', 'tag', '--ids', gallery, '--tags', 'team=images', '-i');
      assert.deepEqual(tagged.tags, { env: 'prod', team: 'images' });
      await cli.az('resource', 'delete', '--ids', `${gallery}/images/debian`);
      const gone = await cli.run('resource', 'show', '--ids', `${gallery}/images/debian`);
      assert.notEqual(gone.status, 0);
      assert.match(gone.stderr, /ResourceNotFound/);
    });

    it("az resource show --ids reads an image template's run output", async () => {
      const work = await mkdtemp(join(tmpdir(), 'kiln-az-resources-'));
      try {
        await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
        await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
        const blobUri = await putRegionBlob(
          server,
          'westus',
          'vhds/busybox.vhd',
          await readFile(join(work, 'base.vhd')),
        );
        const options = { endpoint: server.url };
        const image = await new ComputeManagementClient(
          server.credential,
          server.subscriptionId,
          options,
        ).images.beginCreateOrUpdateAndWait('res', 'busybox', {
          location: 'westus',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
        });
        const builder = new ImageBuilderClient(server.credential, server.subscriptionId, options);
        const template = await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait('res', 'tpl', {
          location: 'westus',
          identity: { type: 'None' },
          source: { type: 'ManagedImage', imageId: image.id! },
          customize: [{ type: 'Shell', name: 'hello', inline: ['echo hello > /etc/motd'] }],
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        });
        await builder.virtualMachineImageTemplates.beginRunAndWait('res', 'tpl');
        const output = await cli.az('resource', 'show', '--ids', `${template.id}/runOutputs/vhd`);
        assert.equal(output.type, 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs');
        assert.equal(output.properties.provisioningState, 'Succeeded');
        assert.match(output.properties.artifactUri, /\.vhd/);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });

    it('az tag: the tags of a group, tag names with counts, predefined names and values', async () => {
      const group = `/subscriptions/${server.subscriptionId}/resourceGroups/res`;
      await cli.az('tag', 'create', '--resource-id', group, '--tags', 'cost=42');
      await cli.az('tag', 'update', '--resource-id', group, '--operation', 'Merge', '--tags', 'owner=ops');
      assert.deepEqual((await cli.az('tag', 'list', '--resource-id', group)).properties.tags, {
        cost: '42',
        owner: 'ops',
      });
      assert.deepEqual((await cli.az('group', 'show', '-n', 'res')).tags, { cost: '42', owner: 'ops' });
      await cli.az('tag', 'create', '-n', 'release');
      await cli.az('tag', 'add-value', '-n', 'release', '--value', '2024');
      const details = await cli.az('tag', 'list');
      const release = details.find((d: { tagName: string }) => d.tagName === 'release');
      assert.deepEqual(
        release.values.map((v: { tagValue: string }) => v.tagValue),
        ['2024'],
      );
      assert.equal(details.find((d: { tagName: string }) => d.tagName === 'env').count.value, 1);
      await cli.az('tag', 'remove-value', '-n', 'release', '--value', '2024');
      await cli.az('tag', 'delete', '-n', 'release', '--yes');
      await cli.az('tag', 'delete', '--resource-id', group, '--yes');
      assert.equal((await cli.az('group', 'show', '-n', 'res')).tags, null);
    });

    it('az group export writes a template; az resource move is refused', async () => {
      const template = await cli.az('group', 'export', '-n', 'res', '--include-parameter-default-value');
      assert.match(template.$schema, /deploymentTemplate\.json#$/);
      assert.deepEqual(template.parameters.galleries_shelf_name, { defaultValue: 'shelf', type: 'String' });
      assert.deepEqual(template.resources.map((r: { type: string }) => r.type).sort(), [
        'Microsoft.Compute/galleries',
        'Microsoft.Compute/images',
        'Microsoft.VirtualMachineImages/imageTemplates',
      ]);
      await cli.az('group', 'create', '-n', 'elsewhere', '-l', 'westus');
      const move = await cli.run('resource', 'move', '--destination-group', 'elsewhere', '--ids', gallery);
      assert.notEqual(move.status, 0);
      assert.match(move.stderr, /ResourceMoveValidationFailed/);
      assert.equal((await cli.az('resource', 'show', '--ids', gallery)).id, gallery);
    });
  },
);
