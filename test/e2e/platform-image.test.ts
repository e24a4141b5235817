// The platform-image catalog: `kiln platform-image import` of real disk files (qcow2, raw), refusals,
// then a template with a PlatformImage source built from `latest`.
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { startTestServer } from '../support/test-server.ts';

const kiln = (...args: string[]) => spawnSync(process.execPath, ['bin/kiln.js', ...args], { encoding: 'utf8' });

describe('platform-image catalog', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('imports disk files, refuses what is not a Linux disk, and builds from latest', async () => {
    const work = await mkdtemp(join(tmpdir(), 'kiln-pir-'));
    const data = await mkdtemp(join(tmpdir(), 'kiln-pir-data-'));
    dirs.push(work, data);
    await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 32 });
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', join(work, 'base.raw'), join(work, 'base.qcow2')]);
    const common = ['--data', data, '--publisher', 'kiln', '--offer', 'busybox', '--sku', 'minimal'];

    const first = kiln('platform-image', 'import', ...common, '--version', '1.0.0', '--file', join(work, 'base.qcow2'));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /from a qcow2 disk \(root file system on a dos partition/);
    const gen2 = ['--hyper-v-generation', 'V2'];
    assert.equal(
      kiln('platform-image', 'import', ...common, '--version', '1.2.0', '--file', join(work, 'base.raw'), ...gen2)
        .status,
      0,
    );
    const gen3 = kiln(
      'platform-image',
      'import',
      ...common,
      '--version',
      '1.3.0',
      '--file',
      join(work, 'base.raw'),
      '--hyper-v-generation',
      'V3',
    );
    assert.notEqual(gen3.status, 0);
    assert.match(gen3.stderr, /The Hyper-V generation 'V3' must be one of V1, V2/);
    const again = kiln('platform-image', 'import', ...common, '--version', '1.2.0', '--file', join(work, 'base.raw'));
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already in the catalog; import it with --replace/);
    await writeFile(join(work, 'blank.raw'), Buffer.alloc(8 * 1024 * 1024));
    const blank = kiln('platform-image', 'import', ...common, '--version', '2.0.0', '--file', join(work, 'blank.raw'));
    assert.notEqual(blank.status, 0);
    assert.match(blank.stderr, /blank\.raw/);
    const listed = JSON.parse(kiln('platform-image', 'list', '--data', data).stdout) as Array<{
      version: string;
      hyperVGeneration: string;
    }>;
    assert.deepEqual(
      listed.map((p) => [p.version, p.hyperVGeneration]),
      [
        ['1.0.0', 'V1'],
        ['1.2.0', 'V2'],
      ],
    );

    const server = await startTestServer({ dataDir: data });
    try {
      await new ResourceManagementClient(server.credential, server.subscriptionId, {
        endpoint: server.url,
      }).resourceGroups.createOrUpdate('pir', { location: 'eastus' });
      const builder = new ImageBuilderClient(server.credential, server.subscriptionId, { endpoint: server.url });
      const template = (sku: string) => ({
        location: 'eastus',
        identity: { type: 'None' as const },
        source: { type: 'PlatformImage' as const, publisher: 'kiln', offer: 'busybox', sku, version: 'latest' },
        customize: [{ type: 'Shell' as const, name: 'mark', inline: ['echo from-catalog > /etc/origin'] }],
        distribute: [{ type: 'VHD' as const, runOutputName: 'vhd' }],
      });
      await builder.virtualMachineImageTemplates.createOrUpdate('pir', 'from-catalog', template('minimal'));
      await builder.virtualMachineImageTemplates.run('pir', 'from-catalog');
      const built = await builder.virtualMachineImageTemplates.get('pir', 'from-catalog');
      assert.equal(built.lastRunStatus?.runState, 'Succeeded', built.lastRunStatus?.message);
      assert.equal(
        (built.source as { exactVersion?: string }).exactVersion,
        '1.2.0',
        'latest resolved to the highest version',
      );
      // exactVersion is the run's output, not part of the definition: repeating the PUT is not a change.
      const repeated = await builder.virtualMachineImageTemplates.createOrUpdate(
        'pir',
        'from-catalog',
        template('minimal'),
      );
      assert.deepEqual(
        [repeated.provisioningState, (repeated.source as { exactVersion?: string }).exactVersion],
        ['Succeeded', '1.2.0'],
      );

      // An image not in the catalog fails the template's validation, naming what the catalog has.
      await assert.rejects(
        builder.virtualMachineImageTemplates.createOrUpdate('pir', 'unknown', template('huge')),
        /BadPIRSource/,
      );
      const unknown = await builder.virtualMachineImageTemplates.get('pir', 'unknown');
      assert.equal(unknown.provisioningState, 'Failed');
      assert.match(
        unknown.provisioningError!.message!,
        /kiln:busybox:huge:latest is not in Kiln's platform-image catalog\. Available: kiln:busybox:minimal:1\.0\.0, kiln:busybox:minimal:1\.2\.0/,
      );
      await assert.rejects(builder.virtualMachineImageTemplates.run('pir', 'unknown'), {
        statusCode: 409,
        code: 'OperationNotAllowed',
      });
      // Once the image is in the catalog, the same PUT validates the template again, and it builds.
      await importPlatformImage(server.server.kiln, {
        publisher: 'kiln',
        offer: 'busybox',
        sku: 'huge',
        version: '3.0.0',
        file: join(work, 'base.raw'),
      });
      assert.equal(
        (await builder.virtualMachineImageTemplates.createOrUpdate('pir', 'unknown', template('huge')))
          .provisioningState,
        'Succeeded',
      );
      await builder.virtualMachineImageTemplates.run('pir', 'unknown');
      const fixed = await builder.virtualMachineImageTemplates.get('pir', 'unknown');
      assert.equal(fixed.lastRunStatus?.runState, 'Succeeded', fixed.lastRunStatus?.message);
      assert.equal((fixed.source as { exactVersion?: string }).exactVersion, '3.0.0');
    } finally {
      await server.stop({ keepData: true });
    }
  });
});
