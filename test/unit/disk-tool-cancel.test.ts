// A confined disk tool stops when its run is canceled or times out: the abort kills its process
// group and the call rejects at once, naming the cancel, instead of waiting for the tool to finish.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runConfined, ToolCanceled } from '../../src/imaging/disk/run.ts';

describe("confined disk tools and a run's cancel", () => {
  it('kills a running tool within a second of the abort', async () => {
    const controller = new AbortController();
    const running = runConfined('sleep', ['60'], {}, { signal: controller.signal });
    // Long enough for bubblewrap to have started sleep inside its cgroup.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const aborted = performance.now();
    controller.abort(new Error('run canceled'));
    await assert.rejects(running, (error: Error) => {
      assert.ok(error instanceof ToolCanceled, `a ToolCanceled, not ${error.name}: ${error.message}`);
      assert.match(error.message, /^sleep was canceled and killed/);
      return true;
    });
    assert.ok(
      performance.now() - aborted < 1000,
      `stopped ${Math.round(performance.now() - aborted)} ms after the abort`,
    );
  });

  it('starts no tool once the run is canceled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run canceled'));
    const begin = performance.now();
    await assert.rejects(runConfined('sleep', ['60'], {}, { signal: controller.signal }), ToolCanceled);
    assert.ok(performance.now() - begin < 1000);
  });

  it('leaves a tool that finishes before any abort as it was', async () => {
    const { stdout } = await runConfined('echo', ['done'], {}, { signal: new AbortController().signal });
    assert.equal(stdout, 'done\n');
  });
});
