// The build's step list: stage, source, one step per customizer in the template's order, generalize,
// write image; and a step failing once the run's space is full names the disk limit and its setting.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DiskLimitReached } from '../../../src/build/disk/disk-limit.ts';
import { mountRunSpace, removeRunWork, runSpace } from '../../../src/build/disk/run-space.ts';
import { explainDiskFull } from '../../../src/build/image-template/disk-full.ts';
import { imageBuildSteps } from '../../../src/build/image-template/image-build.ts';
import { defaultLimits } from '../../../src/build/limits/resource-limits.ts';
import type { MetadataStore } from '../../../src/ports/metadata-store.ts';
import { imageBuildFixture } from '../../support/image-build.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-image-build-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('image build', () => {
  it('runs stage, source, each customizer in order, generalize, write image', () => {
    const steps = imageBuildSteps({
      work: join(root, 'unused'),
      store: {} as MetadataStore,
      staging: { name: 'IT_g_t_1', key: 'k', write: { op: 'delete', key: 'k' } },
      source: { find: () => Promise.reject(new Error('not run')) },
      customize: [
        { type: 'Shell', name: 'first', inline: ['true'] },
        { type: 'File', name: 'second', sourceUri: 'https://example.com/f', destination: '/tmp/f' },
        { type: 'PowerShell', name: 'third', inline: ['Write-Output hi'] },
      ],
      onCustomizerError: 'cleanup',
      customizers: { limits: defaultLimits() },
    });
    assert.deepEqual(steps.map((s) => s.name), ['stage', 'source', 'first', 'second', 'third', 'generalize', 'write image']);
  });

  it('names the disk limit when a step fails on a full run space', async () => {
    const { state, ctx } = imageBuildFixture(root, 1);
    try {
      await mountRunSpace(state.work, 8 * 1024 * 1024);
      state.diskLimit = '8 MiB (build.limits.diskMiB)';
      const filler = explainDiskFull({ name: 'filler', run: () => writeFile(join(runSpace(state.work), 'big'), Buffer.alloc(16 * 1024 * 1024)) });
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
