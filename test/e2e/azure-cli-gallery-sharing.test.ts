// Debian's azure-cli (2.45), unmodified, sharing galleries on Kiln: `az sig create --permissions`,
// `az sig share add|remove|reset|enable-community`, `az sig show --sharing-groups`,
// `az sig list-shared`/`show-shared`, `az sig show-community` and the community image and version
// lists, and `az sig create --soft-delete`, asserting on what az prints.
import { ComputeManagementClient } from '@azure/arm-compute';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe(
  'gallery sharing with the Azure CLI',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    let sub: string;
    const az = (...args: string[]) => cli.az(...args);
    const shelf = ['-g', 'share', '-r', 'shelf'];

    before(async () => {
      server = await startTestServer();
      sub = server.subscriptionId;
      cli = await signedInAzureCli(server);
      await az('group', 'create', '-n', 'share', '-l', 'westus');
      const blobUri = await putRegionBlob(server, 'westus', 'vhds/az-share.vhd', makeVhd(2, 'az-share'));
      // The managed image the community version is made from (az 2.45's `image create` from a blob needs more than Kiln serves).
      await new ComputeManagementClient(server.credential, sub, {
        endpoint: server.url,
      }).images.beginCreateOrUpdateAndWait(
        'share',
        'base',
        {
          location: 'westus',
          hyperVGeneration: 'V2',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
        },
        { updateIntervalInMs: 50 },
      );
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
    });

    it('shares a gallery with groups: add, show with its groups, list-shared, remove, reset', async () => {
      const made = await az('sig', 'create', ...shelf, '--permissions', 'groups');
      assert.equal(made.sharingProfile.permissions, 'Groups');
      await az('sig', 'share', 'add', ...shelf, '--subscription-ids', sub, '--tenant-ids', server.tenantId);
      const shown = await az('sig', 'show', ...shelf, '--sharing-groups', '--query', 'sharingProfile.groups');
      assert.deepEqual(
        shown.map((g: { type: string; ids: string[] }) => [g.type, g.ids]),
        [
          ['Subscriptions', [sub]],
          ['AADTenants', [server.tenantId]],
        ],
      );
      const uniqueName = `${sub}-SHELF`;
      assert.deepEqual(await az('sig', 'list-shared', '--location', 'westus', '--query', '[].name'), [uniqueName]);
      assert.deepEqual(
        await az('sig', 'list-shared', '--location', 'westus', '--shared-to', 'tenant', '--query', '[].name'),
        [uniqueName],
      );
      assert.equal(
        await az(
          'sig',
          'show-shared',
          '--location',
          'westus',
          '--gallery-unique-name',
          uniqueName,
          '--query',
          'uniqueId',
        ),
        `/SharedGalleries/${uniqueName}`,
      );
      await az('sig', 'share', 'remove', ...shelf, '--subscription-ids', sub);
      assert.deepEqual(await az('sig', 'list-shared', '--location', 'westus'), []);
      await az('sig', 'share', 'reset', ...shelf);
      assert.equal(await az('sig', 'show', ...shelf, '--query', 'sharingProfile.permissions'), 'Private');
    });

    it('publishes a community gallery: create, enable-community, show-community, its definitions and versions', async () => {
      const publisher = ['--publisher-uri', 'https://kiln.example', '--publisher-email', 'images@kiln.example'];
      const gallery = ['-g', 'share', '-r', 'public'];
      await az(
        'sig',
        'create',
        ...gallery,
        '--permissions',
        'community',
        ...publisher,
        '--eula',
        'https://kiln.example/eula',
        '--public-name-prefix',
        'kilnpub',
      );
      await az(
        'sig',
        'image-definition',
        'create',
        ...gallery,
        '-i',
        'tiny',
        '--publisher',
        'kiln',
        '--offer',
        'tiny',
        '--sku',
        '1',
        '--os-type',
        'Linux',
        '--hyper-v-generation',
        'V2',
      );
      const image = `/subscriptions/${sub}/resourceGroups/share/providers/Microsoft.Compute/images/base`;
      await az('sig', 'image-version', 'create', ...gallery, '-i', 'tiny', '-e', '1.0.0', '--managed-image', image);
      await az('sig', 'share', 'enable-community', ...gallery);
      const publicName = await az(
        'sig',
        'show',
        ...gallery,
        '--query',
        'sharingProfile.communityGalleryInfo.publicNames[0]',
      );
      assert.match(publicName, /^kilnpub-/);
      const community = await az('sig', 'show-community', '--location', 'westus', '--public-gallery-name', publicName);
      assert.equal(community.uniqueId, `/CommunityGalleries/${publicName}`);
      assert.deepEqual(
        await az(
          'sig',
          'image-definition',
          'list-community',
          '--location',
          'westus',
          '--public-gallery-name',
          publicName,
          '--query',
          '[].name',
        ),
        ['tiny'],
      );
      assert.deepEqual(
        await az(
          'sig',
          'image-version',
          'list-community',
          '--location',
          'westus',
          '--public-gallery-name',
          publicName,
          '--gallery-image-definition',
          'tiny',
          '--query',
          '[].name',
        ),
        ['1.0.0'],
      );
    });

    it('creates a gallery with soft delete on', async () => {
      const made = await az('sig', 'create', '-g', 'share', '-r', 'keep', '--soft-delete', 'true');
      assert.deepEqual(made.softDeletePolicy, { isSoftDeleteEnabled: true });
    });
  },
);
