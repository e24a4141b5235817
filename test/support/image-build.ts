/** What an image build step runs in, for tests of one step alone: a fresh work folder, its state, log and context. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBuildLog, type FileBuildLog } from '../../src/imaging/build-log.ts';
import { imageBuildState, type ImageBuildState } from '../../src/imaging/image-template/image-build-state.ts';
import type { StepContext } from '../../src/imaging/step-runner.ts';

/** A run's work folder `run-<n>` under `root` (0700, as runs make theirs) with a fresh state, log and an abortable context. */
export function imageBuildFixture(
  root: string,
  n: number,
): { state: ImageBuildState; log: FileBuildLog; ctx: StepContext; controller: AbortController } {
  const work = join(root, `run-${n}`);
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const log = openBuildLog(join(work, 'customization.log'));
  const controller = new AbortController();
  return { state: imageBuildState(work), log, ctx: { signal: controller.signal, log }, controller };
}
