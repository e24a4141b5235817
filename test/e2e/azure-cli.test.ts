// Debian's azure-cli (2.45), unmodified, against Kiln registered as a custom cloud with an AD FS-style
// authority: the sequence the README's "Use the Azure CLI with Kiln" section gives, asserting on what
// `az` prints.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootstrapBusybox } from '../../src/app/busybox-base.ts';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { withDiskImage } from '../support/disk-inspection.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe(
  'the Azure CLI against Kiln',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    let work: string;
    let scripts: Server;
    let sub: string;

    const az = (...args: string[]) => cli.az(...args);
    const azFails = (...args: string[]) => cli.run(...args);
    // The gallery, image definition and version the sig tests make, as -g/-r/-i/-e flags.
    const shelf = ['-g', 'images', '-r', 'shelf'];
    const web = [...shelf, '-i', 'web'];
    const version100 = [...web, '-e', '1.0.0'];
    /** `az image builder show` of a template in group images, with a `--query`. */
    const showTemplate = (name: string, query: string) =>
      az('image', 'builder', 'show', '-g', 'images', '-n', name, '--query', query);
    /** `az image builder create` of a template in group images from the busybox platform image. */
    const createTemplate = (name: string, ...more: string[]) =>
      az(
        'image',
        'builder',
        'create',
        '-g',
        'images',
        '-n',
        name,
        '--image-source',
        'kiln:busybox:busybox:latest',
        ...more,
      );

    before(async () => {
      scripts = createServer((request, response) => {
        if (request.url === '/setup.sh')
          return void response.end('#!/bin/sh\necho "customized through az" > /etc/motd\n');
        response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => scripts.listen(0, '127.0.0.1', resolve));
      // The script host is on loopback, which builds may only download from when the operator allows it.
      const scriptHost = `127.0.0.1:${(scripts.address() as AddressInfo).port}`;
      server = await startTestServer({ config: { build: { downloads: { allowHosts: [scriptHost] } } } });
      sub = server.subscriptionId;
      await bootstrapBusybox(server.server.kiln, { sizeMiB: 48 });
      // Registers Kiln as a cloud with an AD FS-style authority and logs the admin in, as the README says.
      cli = await signedInAzureCli(server);
      work = cli.work;
    });
    after(async () => {
      scripts?.close();
      await cli?.close();
      await server?.stop();
    });

    it('is signed in to Kiln registered as a cloud, with a service principal', async () => {
      const accounts = await az('account', 'list');
      assert.deepEqual(
        accounts.map((s: { id: string; cloudName: string; isDefault: boolean }) => [s.id, s.cloudName, s.isDefault]),
        [[sub, 'kiln', true]],
      );
      assert.equal(await az('account', 'show', '--query', 'id'), sub);
      assert.ok((await az('account', 'list-locations', '--query', '[].name')).includes('eastus'));
    });

    it('az group create, show, list and exists', async () => {
      assert.equal(
        (await az('group', 'create', '-n', 'images', '-l', 'westus', '--tags', 'team=platform')).properties
          .provisioningState,
        'Succeeded',
      );
      assert.deepEqual(
        await az('group', 'show', '-n', 'images', '--query', '{name:name, location:location, tags:tags}'),
        { name: 'images', location: 'westus', tags: { team: 'platform' } },
      );
      assert.ok((await az('group', 'list', '--query', '[].name')).includes('images'));
      assert.equal(await az('group', 'exists', '-n', 'images'), true);
      const missing = await azFails('group', 'show', '-n', 'nope');
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /ResourceGroupNotFound/);
    });

    it('az sig and sig image-definition create, show and list', async () => {
      assert.equal(
        (await az('sig', 'create', ...shelf, '--description', 'golden images')).provisioningState,
        'Succeeded',
      );
      assert.equal(await az('sig', 'show', ...shelf, '--query', 'description'), 'golden images');
      assert.deepEqual(await az('sig', 'list', '--query', '[].name'), ['shelf']);
      const definition = await az(
        'sig',
        'image-definition',
        'create',
        ...web,
        '--publisher',
        'contoso',
        '--offer',
        'web',
        '--sku',
        '1',
        '--os-type',
        'Linux',
        '--os-state',
        'Generalized',
      );
      assert.equal(definition.provisioningState, 'Succeeded');
      assert.deepEqual(await az('sig', 'image-definition', 'show', ...web, '--query', 'identifier'), {
        publisher: 'contoso',
        offer: 'web',
        sku: '1',
      });
      assert.deepEqual(await az('sig', 'image-definition', 'list', ...shelf, '--query', '[].name'), ['web']);
    });

    it('az image builder create, run, show, show-runs: a real build into a managed image', async () => {
      const scriptUrl = `http://127.0.0.1:${(scripts.address() as AddressInfo).port}/setup.sh`;
      const created = await createTemplate(
        'web-template',
        '--scripts',
        scriptUrl,
        '--managed-image-destinations',
        'web-image=westus',
      );
      // az polls the create's operation (Kiln answers 201 Creating, as Azure does) and prints the template it then reads.
      assert.equal(created.provisioningState, 'Succeeded');
      assert.equal(created.source.type, 'PlatformImage');
      assert.deepEqual(
        created.customize.map((c: { type: string }) => c.type),
        ['Shell'],
      );
      assert.deepEqual(
        created.distribute.map((d: { type: string; runOutputName: string }) => [d.type, d.runOutputName]),
        [['ManagedImage', 'web-image']],
      );
      await az('image', 'builder', 'run', '-g', 'images', '-n', 'web-template');
      const shown = await showTemplate('web-template', '{state:lastRunStatus.runState, source:source.exactVersion}');
      assert.equal(shown.state, 'Succeeded');
      assert.match(shown.source, /^0\.\d{8}\.0$/);
      const runs = await az('image', 'builder', 'show-runs', '-g', 'images', '-n', 'web-template');
      assert.deepEqual(
        runs.map((r: { name: string; provisioningState: string; artifactId: string }) => [
          r.name,
          r.provisioningState,
          r.artifactId,
        ]),
        [
          [
            'web-image',
            'Succeeded',
            `/subscriptions/${sub}/resourceGroups/images/providers/Microsoft.Compute/images/web-image`,
          ],
        ],
      );
    });

    it("az image builder create to a gallery: 2022-02-14's own shape, replicationRegions, read back", async () => {
      const created = await createTemplate('sig-template', '--shared-image-destinations', 'shelf/web=westus,eastus');
      assert.equal(created.provisioningState, 'Succeeded');
      const [target] = created.distribute;
      assert.deepEqual(
        [target.type, target.galleryImageId, target.replicationRegions, target.targetRegions],
        [
          'SharedImage',
          `/subscriptions/${sub}/resourceGroups/images/providers/Microsoft.Compute/galleries/shelf/images/web`,
          ['westus', 'eastus'],
          undefined,
        ],
      );
      assert.deepEqual(await showTemplate('sig-template', 'distribute[0].replicationRegions'), ['westus', 'eastus']);
      await az('image', 'builder', 'delete', '-g', 'images', '-n', 'sig-template');
    });

    it('az image builder create from a template file, and delete', async () => {
      const file = join(work, 'template.json');
      await writeFile(
        file,
        JSON.stringify({
          type: 'Microsoft.VirtualMachineImages/imageTemplates',
          apiVersion: '2022-02-14',
          location: 'westus',
          properties: {
            source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
            customize: [{ type: 'Shell', name: 'motd', inline: ['echo "from a template file" > /etc/motd'] }],
            distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
          },
        }),
      );
      assert.equal(
        (await az('image', 'builder', 'create', '-g', 'images', '-n', 'vhd-template', '--image-template', file))
          .provisioningState,
        'Succeeded',
      );
      await az('image', 'builder', 'run', '-g', 'images', '-n', 'vhd-template');
      const [vhd] = await az(
        'image',
        'builder',
        'show-runs',
        '-g',
        'images',
        '-n',
        'vhd-template',
        '--query',
        '[].artifactUri',
      );
      const token = (await server.credential.getToken('https://storage.azure.com/.default'))!.token;
      const download = await fetch(vhd, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(download.status, 200);
      await writeFile(join(work, 'out.vhd'), new Uint8Array(await download.arrayBuffer()));
      const { readFile } = await import('node:fs/promises');
      await withDiskImage(join(work, 'out.vhd'), async ({ rootfs }) => {
        assert.equal(await readFile(join(rootfs, 'etc', 'motd'), 'utf8'), 'from a template file\n');
      });
      await az('image', 'builder', 'delete', '-g', 'images', '-n', 'vhd-template');
      assert.deepEqual(await az('image', 'builder', 'list', '-g', 'images', '--query', '[].name'), ['web-template']);
    });

    it('az sig image-version create, show, list, update and delete, from a managed image id', async () => {
      const image = `/subscriptions/${sub}/resourceGroups/images/providers/Microsoft.Compute/images/web-image`;
      const created = await az(
        'sig',
        'image-version',
        'create',
        ...version100,
        '--managed-image',
        image,
        '--target-regions',
        'westus',
        'eastus',
      );
      assert.equal(created.provisioningState, 'Succeeded');
      // By display name, as Azure answers, where az sent the regions' names.
      assert.deepEqual(
        created.publishingProfile.targetRegions.map((r: { name: string }) => r.name),
        ['West US', 'East US'],
      );
      const status = await az(
        'sig',
        'image-version',
        'show',
        ...version100,
        '--expand',
        'ReplicationStatus',
        '--query',
        'replicationStatus',
      );
      assert.equal(status.aggregatedState, 'Completed');
      assert.deepEqual(
        status.summary.map((s: { progress: number }) => s.progress),
        [100, 100],
      );
      assert.equal(
        await az('sig', 'image-version', 'show', ...version100, '--query', 'storageProfile.source.id'),
        image,
      );
      assert.deepEqual(await az('sig', 'image-version', 'list', ...web, '--query', '[].name'), ['1.0.0']);
      const updated = await az(
        'sig',
        'image-version',
        'update',
        ...version100,
        '--set',
        'publishingProfile.excludeFromLatest=true',
      );
      assert.equal(updated.publishingProfile.excludeFromLatest, true);
      assert.equal(updated.storageProfile.source.id, image);
      await az('sig', 'image-version', 'delete', ...version100);
      assert.deepEqual(await az('sig', 'image-version', 'list', ...web), []);
    });

    it("az image works under the 2020-09-01-hybrid profile, as Debian's package lacks the latest compute SDK", async () => {
      // With the default profile, Debian's azure-cli 2.45 asks for compute 2022-11-01 models it does not ship.
      const latest = await azFails('image', 'show', '-g', 'images', '-n', 'web-image');
      assert.notEqual(latest.status, 0);
      assert.match(latest.stderr, /v2022_11_01|NoneType/);
      await az('cloud', 'update', '-n', 'kiln', '--profile', '2020-09-01-hybrid');
      try {
        assert.equal(
          await az('image', 'show', '-g', 'images', '-n', 'web-image', '--query', 'storageProfile.osDisk.osState'),
          'Generalized',
        );
        const disk = await az('disk', 'create', '-g', 'images', '-n', 'data', '--size-gb', '1');
        assert.equal(
          (await az('image', 'create', '-g', 'images', '-n', 'from-disk', '--source', disk.id, '--os-type', 'Linux'))
            .provisioningState,
          'Succeeded',
        );
        assert.deepEqual((await az('image', 'list', '-g', 'images', '--query', '[].name')).sort(), [
          'from-disk',
          'web-image',
        ]);
      } finally {
        await az('cloud', 'update', '-n', 'kiln', '--profile', 'latest');
      }
    });

    it('az group delete removes the group and everything in it', async () => {
      await az('group', 'delete', '-n', 'images', '--yes');
      assert.equal(await az('group', 'exists', '-n', 'images'), false);
    });
  },
);
