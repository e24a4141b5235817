// A customizer as a build step: it runs as its type's step (Shell here, in the sandbox) and, under
// onCustomizerError: abort, a failure marks the build to be kept for debugging; under cleanup, or
// when the run was canceled, it does not.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { customizerStep, type OnCustomizerError } from '../../../src/imaging/image-template/customizer-step.ts';
import { imageBuildFixture } from '../../support/image-build.ts';
import { makeBusyboxRootFs } from '../../support/rootfs.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-customizer-step-'));
after(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const fixture = () => {
  const made = imageBuildFixture(root, ++runs);
  makeBusyboxRootFs(made.state.rootfs);
  return made;
};
const shell = (inline: string[], onError: OnCustomizerError) =>
  customizerStep({ type: 'Shell', name: 'setup', inline }, {}, onError);

describe('customizer step', () => {
  it('runs the customizer in the image under its own name', async () => {
    const { state, ctx } = fixture();
    const step = shell(['touch /root/ran'], 'abort');
    assert.equal(step.name, 'setup');
    await step.run(state, ctx);
    assert.ok(existsSync(join(state.rootfs, 'root/ran')));
    assert.equal(state.keep, false);
  });

  it('keeps the build when it fails under onCustomizerError: abort', async () => {
    const { state, ctx } = fixture();
    await assert.rejects(shell(['exit 3'], 'abort').run(state, ctx), /exit code 3/);
    assert.equal(state.keep, true);
  });

  it('does not keep it under onCustomizerError: cleanup', async () => {
    const { state, ctx } = fixture();
    await assert.rejects(shell(['exit 3'], 'cleanup').run(state, ctx), /exit code 3/);
    assert.equal(state.keep, false);
  });

  it('does not keep a build whose customizer was stopped by a cancel', async () => {
    const { state, ctx, controller } = fixture();
    const running = shell(['sleep 30'], 'abort').run(state, ctx);
    setTimeout(() => controller.abort(new Error('canceled by the test')), 300);
    await assert.rejects(running, /canceled/);
    assert.equal(state.keep, false);
  });
});
