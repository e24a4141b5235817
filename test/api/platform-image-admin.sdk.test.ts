// The platform-image catalog managed while the server runs, through Microsoft.Compute.Admin
// PlatformImages: a busybox disk uploaded as a blob and put as a version is imported by a job
// (Creating, then Succeeded), listed by @azure/arm-compute's virtualMachineImages, made a managed disk
// FromImage and deleted; a Contributor is refused, and garbage is Failed with the reason and leaves
// no bytes behind. Run on SQLite metadata with folder regions, and on PostgreSQL with Azure Blob
// regions (Azurite).
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { defaultConfig } from '../../src/app/config.ts';
import { workRoot } from '../../src/app/workers.ts';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { JOB_KIND } from '../../src/jobs/job-record.ts';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { kilnCli } from '../support/kiln-cli.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';
import { startAzurite } from '../support/azurite.ts';
import { POSTGRES_URL } from '../support/metadata-storage.ts';

const API = '2015-12-01-preview';

interface Variant {
  name: string;
  start(): Promise<{ kiln: TestServer; stop(): Promise<void> }>;
  /** Folder regions: the server holds them, so an offline command on its data folder is refused (the CLI is tested there). */
  folders: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: 'SQLite, folder regions',
    folders: true,
    async start() {
      const kiln = await startTestServer();
      return { kiln, stop: () => kiln.stop() };
    },
  },
  {
    name: 'PostgreSQL, Azure Blob regions',
    folders: false,
    async start() {
      const azurite = await startAzurite();
      const suffix = randomBytes(4).toString('hex');
      const regions = defaultConfig().regions.map((r) => ({
        name: r.name,
        displayName: r.displayName,
        azureBlob: { connectionString: azurite.connectionString, container: `${r.name}-${suffix}` },
      }));
      const kiln = await startTestServer({
        db: POSTGRES_URL,
        dbSchema: `kiln_admin_images_${suffix}`,
        config: { regions },
      });
      return {
        kiln,
        async stop() {
          await kiln.stop();
          await azurite.stop();
          const database = new pg.Client({ connectionString: POSTGRES_URL });
          await database.connect();
          await database.query(`DROP SCHEMA IF EXISTS kiln_admin_images_${suffix} CASCADE`);
          await database.end();
        },
      };
    },
  },
];

for (const variant of VARIANTS)
  describe(`platform images managed while serving (${variant.name})`, () => {
    let kiln: TestServer;
    let stop: () => Promise<void>;
    let compute: ComputeManagementClient;
    let call: ArmCall;
    let admin: string;
    let busybox: string;
    let scratch: string;
    const adminPath = (version: string, location = 'westus', sku = 'minimal') =>
      `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Compute.Admin/locations/${location}/artifactTypes/platformImage/publishers/Kiln/offers/busybox-admin/skus/${sku}/versions/${version}`;
    /** The version's GET once its import ended. */
    const imported = async (version: string, sku = 'minimal') => {
      for (;;) {
        const { status, body } = await call(admin, 'GET', adminPath(version, 'westus', sku));
        assert.equal(status, 200);
        if (body.properties.provisioningState !== 'Creating') return body;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const catalogBlobs = async () =>
      (
        await Promise.all(
          ['eastus', 'westus'].map((region) => kiln.server.kiln.domain.regions.get(region)!.list('platformimages/')),
        )
      ).flat();

    before(async () => {
      ({ kiln, stop } = await variant.start());
      compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      call = armCaller(kiln, API);
      admin = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
      scratch = await mkdtemp(join(tmpdir(), 'kiln-admin-image-'));
      await makeBusyboxBaseImage(join(scratch, 'busybox.raw'), { sizeMiB: 32 });
      busybox = await putRegionBlob(
        kiln,
        'westus',
        'uploads/busybox.raw',
        await readFile(join(scratch, 'busybox.raw')),
      );
    });
    after(async () => {
      await stop();
      await rm(scratch, { recursive: true, force: true });
    });

    it('imports a version while serving: Creating, then Succeeded, listed as a VirtualMachineImage', async () => {
      const put = await call(admin, 'PUT', adminPath('1.0.0'), {
        properties: { osDisk: { osType: 'Linux', uri: busybox }, details: { billingPartNumber: 'kiln-1' } },
      });
      assert.equal(put.status, 201, JSON.stringify(put.body));
      assert.equal(put.body.properties.provisioningState, 'Creating');
      assert.equal(put.body.type, 'Microsoft.Compute.Admin/locations/artifactTypes/publishers/offers/skus/versions');
      const done = await imported('1.0.0');
      assert.equal(done.properties.provisioningState, 'Succeeded', JSON.stringify(done));
      assert.deepEqual(done.properties.osDisk, { osType: 'Linux', uri: busybox });
      assert.deepEqual(done.properties.details, { billingPartNumber: 'kiln-1' });
      assert.equal(done.properties.hyperVGeneration, 'V1');

      // As `az vm image list` reads it, in every location.
      for (const location of ['westus', 'eastus']) {
        const versions = await compute.virtualMachineImages.list(location, 'Kiln', 'busybox-admin', 'minimal');
        assert.deepEqual(
          versions.map((v) => v.name),
          ['1.0.0'],
        );
      }
      const shown = await compute.virtualMachineImages.get('westus', 'Kiln', 'busybox-admin', 'minimal', '1.0.0');
      assert.equal(shown.osDiskImage?.operatingSystem, 'Linux');

      const list = await call(admin, 'GET', adminPath('1.0.0').replace(/\/publishers\/.*/, ''));
      assert.equal(list.status, 200);
      assert.ok(Array.isArray(list.body), 'PlatformImageList is an array');
      assert.ok(list.body.some((image: { id: string }) => image.id === adminPath('1.0.0')));

      // A version is not replaced while it is served.
      const again = await call(admin, 'PUT', adminPath('1.0.0'), { properties: { osDisk: { uri: busybox } } });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, /delete it first/);
    });

    it('makes a managed disk FromImage of the imported version', async () => {
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
        endpoint: kiln.url,
      }).resourceGroups.createOrUpdate('admin-images', { location: 'westus' });
      const id = `/Subscriptions/${kiln.subscriptionId}/Providers/Microsoft.Compute/Locations/westus/Publishers/Kiln/ArtifactTypes/VMImage/Offers/busybox-admin/Skus/minimal/Versions/1.0.0`;
      const disk = await compute.disks.beginCreateOrUpdateAndWait('admin-images', 'from-admin', {
        location: 'westus',
        creationData: { createOption: 'FromImage', imageReference: { id } },
      });
      assert.equal(disk.provisioningState, 'Succeeded');
      assert.equal(disk.diskSizeGB, 1);
      await compute.disks.beginDeleteAndWait('admin-images', 'from-admin');
    });

    it('refuses a caller that is not an operator of every subscription, Contributor included', async () => {
      const credential = await principalCredential(
        kiln,
        'catalog contributor',
        'Contributor',
        `/subscriptions/${kiln.subscriptionId}`,
      );
      const token = (await credential.getToken('https://management.azure.com/.default'))!.token;
      for (const [method, body] of [
        ['PUT', { properties: { osDisk: { uri: busybox } } }],
        ['GET', undefined],
        ['DELETE', undefined],
      ] as const) {
        const refused = await call(token, method, adminPath('2.0.0'), body);
        assert.equal(refused.status, 403, `${method}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.code, 'AuthorizationFailed');
        assert.match(refused.body.error.message, /Microsoft\.Authorization\/roleAssignments\/write/);
      }
      // Reading the catalog as VirtualMachineImages stays open to it.
      const reader = new ComputeManagementClient(credential, kiln.subscriptionId, { endpoint: kiln.url });
      assert.equal((await reader.virtualMachineImages.list('westus', 'Kiln', 'busybox-admin', 'minimal')).length, 1);
    });

    it('fails garbage with the reason, leaving no bytes behind, and puts the version again', async () => {
      const garbage = await putRegionBlob(kiln, 'westus', 'uploads/garbage.img', randomBytes(3 * 1024 * 1024));
      const before = await catalogBlobs();
      const put = await call(admin, 'PUT', adminPath('3.0.0'), { properties: { osDisk: { uri: garbage } } });
      assert.equal(put.status, 201, JSON.stringify(put.body));
      const failed = await imported('3.0.0');
      assert.equal(failed.properties.provisioningState, 'Failed');
      assert.equal(failed.properties.provisioningError.provisioningErrorCode, 'InvalidPlatformImage');
      assert.match(
        failed.properties.provisioningError.message,
        new RegExp(`The blob '${garbage}' cannot be a platform image`),
      );
      await assert.rejects(compute.virtualMachineImages.get('westus', 'Kiln', 'busybox-admin', 'minimal', '3.0.0'), {
        statusCode: 404,
      });
      assert.deepEqual(await catalogBlobs(), before, 'no bytes of the failed import are kept');
      assert.deepEqual(await readdir(workRoot(kiln.dataDir)).catch(() => []), [], 'its work folder is gone');

      // A Failed version is put again.
      const retry = await call(admin, 'PUT', adminPath('3.0.0'), { properties: { osDisk: { uri: busybox } } });
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.equal((await imported('3.0.0')).properties.provisioningState, 'Succeeded');
      assert.equal((await call(admin, 'DELETE', adminPath('3.0.0'))).status, 200);
    });

    it('fails a hostile qcow2 that names a host file as its backing file, reading nothing of it', async () => {
      const secret = join(scratch, 'host-secret.raw');
      await writeFile(secret, Buffer.alloc(1024 * 1024, 'host secret '));
      const hostile = join(scratch, 'hostile.qcow2');
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', secret, '-F', 'raw', hostile]);
      const uri = await putRegionBlob(kiln, 'westus', 'uploads/hostile.qcow2', await readFile(hostile));
      const before = await catalogBlobs();
      assert.equal((await call(admin, 'PUT', adminPath('5.0.0'), { properties: { osDisk: { uri } } })).status, 201);
      const failed = await imported('5.0.0');
      assert.equal(failed.properties.provisioningState, 'Failed');
      assert.match(
        failed.properties.provisioningError.message,
        /refers to other files .*host-secret\.raw.*self-contained images only/,
      );
      assert.deepEqual(await catalogBlobs(), before, 'nothing of it is kept');
      assert.equal((await call(admin, 'DELETE', adminPath('5.0.0'))).status, 200);
    });

    it('refuses bad bodies by field before anything is recorded', async () => {
      const bad = await call(admin, 'PUT', adminPath('4.0.0'), {
        properties: {
          osDisk: { osType: 'Windows', uri: busybox },
          dataDisks: [{ lun: 0, uri: busybox }],
          hyperVGeneration: 'V3',
          color: 'red',
        },
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.map((d: { target: string }) => d.target).sort(), [
        'properties.color',
        'properties.dataDisks',
        'properties.hyperVGeneration',
        'properties.osDisk.osType',
      ]);
      const missing = await call(admin, 'PUT', adminPath('4.0.0'), {
        properties: { osDisk: { uri: busybox.replace('busybox.raw', 'nothing.raw') } },
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'BlobNotFound');
      assert.equal((await call(admin, 'GET', adminPath('4.0.0'))).status, 404);
    });

    it('deletes an import still Creating: canceled, and nothing of it left', async () => {
      const put = await call(admin, 'PUT', adminPath('6.0.0'), { properties: { osDisk: { uri: busybox } } });
      assert.equal(put.body.properties.provisioningState, 'Creating');
      assert.equal((await call(admin, 'DELETE', adminPath('6.0.0'))).status, 200);
      assert.equal((await call(admin, 'GET', adminPath('6.0.0'))).status, 404);
      // Whether its job had started or not, it ends without an entry, bytes or work folder.
      const jobs = () => kiln.server.kiln.domain.store.list({ kind: JOB_KIND, limit: 10 });
      for (let tries = 0; (await jobs()).length > 0; tries++) {
        assert.ok(tries < 200, 'the import job ends');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await call(admin, 'GET', adminPath('6.0.0'))).status, 404);
      assert.deepEqual(
        (await catalogBlobs()).filter((blob) => blob.key.includes('/6.0.0/')),
        [],
      );
      assert.deepEqual(await readdir(workRoot(kiln.dataDir)).catch(() => []), []);
    });

    it('deletes a version: gone from the listings, its bytes deleted', async () => {
      assert.equal((await call(admin, 'DELETE', adminPath('1.0.0'))).status, 200);
      assert.equal((await call(admin, 'GET', adminPath('1.0.0'))).status, 404);
      assert.equal((await call(admin, 'DELETE', adminPath('1.0.0'))).status, 204);
      await assert.rejects(compute.virtualMachineImages.list('westus', 'Kiln', 'busybox-admin', 'minimal'), {
        statusCode: 404,
      });
      for (let tries = 0; (await catalogBlobs()).length > 0; tries++) {
        assert.ok(tries < 100, 'the deleted version bytes are deleted');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    // The command is the same on every store: run once, where an offline command on the served folder is refused.
    if (variant.folders)
      it('kiln platform-image import, list and delete --server: the upload imported, then removed', async () => {
        const cli = await kilnCli(kiln);
        await cli.login();
        const name = ['--publisher', 'Kiln', '--offer', 'busybox-cli', '--sku', 'minimal', '--version', '1.2.3'];
        const server = ['--server', kiln.url];
        const image = await cli.json(
          'platform-image',
          'import',
          ...server,
          ...name,
          '--file',
          join(scratch, 'busybox.raw'),
          '--hyper-v-generation',
          'V2',
        );
        assert.equal(image.provisioningState, 'Succeeded');
        assert.equal(image.hyperVGeneration, 'V2');
        const shown = await compute.virtualMachineImages.get('eastus', 'Kiln', 'busybox-cli', 'minimal', '1.2.3');
        assert.equal(shown.hyperVGeneration, 'V2');
        const uploads = await kiln.server.kiln.domain.regions.get('eastus')!.list('$user/platform-image-uploads/');
        assert.deepEqual(uploads, [], 'the upload is deleted once imported');
        const listed = await cli.json<Array<Record<string, string>>>(
          'platform-image',
          'list',
          ...server,
          '--query',
          "[?offer=='busybox-cli']",
        );
        assert.deepEqual(
          listed.map((i) => `${i.publisher}:${i.offer}:${i.sku}:${i.version} ${i.provisioningState}`),
          ['Kiln:busybox-cli:minimal:1.2.3 Succeeded'],
        );

        // Garbage: the command fails with the server's reason.
        await writeFile(join(scratch, 'garbage.qcow2'), randomBytes(1024 * 1024));
        const garbage = await cli.run(
          'platform-image',
          'import',
          ...server,
          ...name.slice(0, -1),
          '9.9.9',
          '--file',
          join(scratch, 'garbage.qcow2'),
        );
        assert.equal(garbage.status, 1);
        assert.match(garbage.stderr, /\(InvalidPlatformImage\) The blob '.*garbage\.qcow2' cannot be a platform image/);

        await cli.ok('platform-image', 'delete', ...server, ...name);
        const again = await cli.run('platform-image', 'delete', ...server, ...name);
        assert.equal(again.status, 1);
        assert.match(again.stderr, /Kiln:busybox-cli:minimal:1\.2\.3 is not in the catalog/);

        // Offline on the served folder: refused at once, pointing at --server.
        const offline = await cli.run(
          'platform-image',
          'import',
          '--data',
          kiln.dataDir,
          ...name,
          '--file',
          join(scratch, 'busybox.raw'),
        );
        assert.equal(offline.status, 1);
        assert.match(offline.stderr, /in use by another Kiln process.*--server URL/s);
      });
  });
