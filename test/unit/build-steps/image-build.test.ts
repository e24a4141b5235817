// The build's step list: stage, source, one step per customizer in the template's order, generalize,
// write image; a run canceled during its source step stops there at once, cleans up and ends Canceled;
// and a step failing once the run's space is full names the disk limit and its setting.
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openBuildLog } from '../../../src/imaging/build-log.ts';
import { makeBusyboxBaseImage } from '../../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../../src/imaging/disk/disk-image.ts';
import { DiskLimitReached } from '../../../src/imaging/disk/disk-limit.ts';
import { mountRunSpace, removeRunWork, runSpace } from '../../../src/imaging/disk/run-space.ts';
import { explainDiskFull } from '../../../src/imaging/image-template/disk-full.ts';
import { imageBuildSteps, runImageBuild } from '../../../src/imaging/image-template/image-build.ts';
import { defaultLimits } from '../../../src/imaging/limits/resource-limits.ts';
import type { ImageTemplate } from '../../../src/domain/image-templates/image-template.ts';
import { buildEnding } from '../../../src/domain/image-templates/run/end-run.ts';
import { stagingGroup } from '../../../src/domain/image-templates/run/run-status.ts';
import type { MetadataStore } from '../../../src/ports/metadata-store.ts';
import { imageBuildFixture } from '../../support/image-build.ts';
import { sqliteStorages } from '../../support/metadata-storage.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-image-build-'));
after(() => rmSync(root, { recursive: true, force: true }));
const storages = sqliteStorages('kiln-image-build');

describe('image build', () => {
  it('runs stage, source, each customizer in order, generalize, write image', () => {
    const steps = imageBuildSteps({
      work: join(root, 'unused'),
      store: {} as MetadataStore,
      staging: { name: 'IT_g_t_1', key: 'k', write: { op: 'delete', key: 'k' }, lasting: false },
      source: { find: () => Promise.reject(new Error('not run')) },
      customize: [
        { type: 'Shell', name: 'first', inline: ['true'] },
        { type: 'File', name: 'second', sourceUri: 'https://example.com/f', destination: '/tmp/f' },
        { type: 'PowerShell', name: 'third', inline: ['Write-Output hi'] },
      ],
      onCustomizerError: 'cleanup',
      customizers: { limits: defaultLimits() },
    });
    assert.deepEqual(
      steps.map((s) => s.name),
      ['stage', 'source', 'first', 'second', 'third', 'generalize', 'write image'],
    );
  });

  it('stops a run canceled during its source step at once, cleans up, and ends it Canceled', async () => {
    const store = await (await storages()).connect();
    const vhd = join(root, 'base.vhd');
    await makeBusyboxBaseImage(join(root, 'base.raw'), { sizeMiB: 32 });
    await toFixedVhd(join(root, 'base.raw'), vhd);
    const template = {
      id: '/subscriptions/s/resourceGroups/g/providers/Microsoft.VirtualMachineImages/imageTemplates/t',
      name: 't',
      location: 'westus',
      properties: { buildTimeoutInMinutes: 0 },
    } as ImageTemplate;
    const staging = stagingGroup(template, 's', 'abcdef12-0000-0000-0000-000000000000');
    const work = join(root, 'canceled');
    const log = openBuildLog(join(work, 'customization.log'));
    const controller = new AbortController();
    try {
      const begin = performance.now();
      const { result, state } = await runImageBuild(
        {
          work,
          store,
          staging,
          source: {
            find: async () => ({
              description: 'busybox test disk',
              size: (await stat(vhd)).size,
              open: () => createReadStream(vhd),
            }),
            progress: { fetched: async () => controller.abort(new Error('canceled by the test')) },
          },
          customize: [{ type: 'Shell', name: 'never', inline: ['touch /root/ran'] }],
          onCustomizerError: 'cleanup',
          customizers: { limits: defaultLimits() },
        },
        { signal: controller.signal, log },
      );
      assert.ok(performance.now() - begin < 10_000);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.canceled && result.failedStep === 'source');
      assert.ok(!existsSync(join(state.rootfs, 'root')), 'no customizer ran');
      assert.equal(await store.get(staging.key), undefined, "the stage step's cleanup removed the staging group");
      assert.ok(!result.ok && buildEnding(template, result, controller.signal, log).runState === 'Canceled');
    } finally {
      log.close();
      await removeRunWork(work);
      await store.close();
    }
  });

  it('names the disk limit when a step fails on a full run space', async () => {
    const { state, ctx } = imageBuildFixture(root, 1);
    try {
      await mountRunSpace(state.work, 8 * 1024 * 1024);
      state.diskLimit = '8 MiB (build.limits.diskMiB)';
      const filler = explainDiskFull({
        name: 'filler',
        run: () => writeFile(join(runSpace(state.work), 'big'), Buffer.alloc(16 * 1024 * 1024)),
      });
      await assert.rejects(filler.run(state, ctx), (error: Error) => {
        assert.ok(error instanceof DiskLimitReached);
        assert.match(error.message, /8 MiB \(build\.limits\.diskMiB\)/);
        return true;
      });
    } finally {
      await removeRunWork(state.work);
    }
  });
});
