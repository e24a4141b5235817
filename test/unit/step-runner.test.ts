import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type FileBuildLog, openBuildLog } from '../../src/imaging/build-log.ts';
import { type BuildStep, runSteps, type StepEvent } from '../../src/imaging/step-runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-steps-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let logs = 0;
const newLog = (): FileBuildLog => openBuildLog(join(dir, `customization-${++logs}.log`));

/** Steps that record `run:<name>` and `cleanup:<name>` into `calls`; `fail` names a step whose run throws. */
function recordingSteps(
  names: string[],
  calls: string[],
  options: { fail?: string; cleanupThrows?: string } = {},
): BuildStep<unknown>[] {
  return names.map((name) => ({
    name,
    async run() {
      calls.push(`run:${name}`);
      if (name === options.fail) throw new Error(`${name} broke`);
    },
    async cleanup() {
      calls.push(`cleanup:${name}`);
      if (name === options.cleanupThrows) throw new Error(`${name} cleanup broke`);
    },
  }));
}

describe('runSteps', () => {
  it('runs steps in order, then cleans up in reverse, reporting every phase', async () => {
    const calls: string[] = [];
    const events: StepEvent[] = [];
    const log = newLog();
    const result = await runSteps(
      recordingSteps(['a', 'b', 'c'], calls),
      {},
      { signal: new AbortController().signal, log, onStep: (e) => events.push(e) },
    );
    assert.deepEqual(result, { ok: true, cleanupErrors: [] });
    assert.deepEqual(calls, ['run:a', 'run:b', 'run:c', 'cleanup:c', 'cleanup:b', 'cleanup:a']);
    assert.deepEqual(
      events.map((e) => `${e.phase}:${e.step}`),
      [
        'started:a',
        'succeeded:a',
        'started:b',
        'succeeded:b',
        'started:c',
        'succeeded:c',
        'cleaned:c',
        'cleaned:b',
        'cleaned:a',
      ],
    );
    assert.ok(events.every((e) => e.elapsedMs >= 0));
    assert.match(readFileSync(log.path, 'utf8'), /==> b: succeeded in/);
  });

  it('stops at the failing step k and cleans up steps 1..k in reverse', async () => {
    const calls: string[] = [];
    const log = newLog();
    const result = await runSteps(
      recordingSteps(['a', 'b', 'c', 'd'], calls, { fail: 'c' }),
      {},
      { signal: new AbortController().signal, log },
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.failedStep, 'c');
    assert.equal(result.canceled, false);
    assert.equal((result.error as Error).message, 'c broke');
    assert.deepEqual(calls, ['run:a', 'run:b', 'run:c', 'cleanup:c', 'cleanup:b', 'cleanup:a']);
    assert.match(readFileSync(log.path, 'utf8'), /==> c: failed after .*: c broke/);
  });

  it('cleans up after a cancel during a step and runs nothing after it', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const cleanupSignals: boolean[] = [];
    const waiting: BuildStep<unknown> = {
      name: 'wait',
      run: (_state, ctx) =>
        new Promise((_resolve, reject) => {
          calls.push('run:wait');
          ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
          setImmediate(() => controller.abort());
        }),
      async cleanup(_state, ctx) {
        calls.push('cleanup:wait');
        cleanupSignals.push(ctx.signal.aborted);
      },
    };
    const steps = [...recordingSteps(['a'], calls), waiting, ...recordingSteps(['never'], calls)];
    const result = await runSteps(steps, {}, { signal: controller.signal, log: newLog() });
    assert.ok(!result.ok);
    assert.equal(result.canceled, true);
    assert.equal(result.failedStep, 'wait');
    assert.deepEqual(calls, ['run:a', 'run:wait', 'cleanup:wait', 'cleanup:a']);
    assert.deepEqual(cleanupSignals, [false], 'cleanups get a signal that is not aborted, so they can finish');
  });

  it('runs no step when canceled before the start', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    controller.abort();
    const result = await runSteps(recordingSteps(['a'], calls), {}, { signal: controller.signal, log: newLog() });
    assert.ok(!result.ok);
    assert.equal(result.canceled, true);
    assert.equal(result.failedStep, undefined);
    assert.deepEqual(calls, []);
  });

  it('keeps cleaning up when a cleanup throws, and reports every cleanup error', async () => {
    const calls: string[] = [];
    const steps = recordingSteps(['a', 'b', 'c'], calls, { fail: 'c', cleanupThrows: 'b' });
    const result = await runSteps(steps, {}, { signal: new AbortController().signal, log: newLog() });
    assert.deepEqual(calls, ['run:a', 'run:b', 'run:c', 'cleanup:c', 'cleanup:b', 'cleanup:a']);
    assert.ok(!result.ok);
    assert.equal(result.failedStep, 'c');
    assert.deepEqual(
      result.cleanupErrors.map((e) => [e.step, (e.error as Error).message]),
      [['b', 'b cleanup broke']],
    );
  });

  it('reports cleanup errors of a successful run without failing it', async () => {
    const calls: string[] = [];
    const result = await runSteps(
      recordingSteps(['a', 'b'], calls, { cleanupThrows: 'a' }),
      {},
      { signal: new AbortController().signal, log: newLog() },
    );
    assert.equal(result.ok, true);
    assert.equal(result.cleanupErrors.length, 1);
    assert.deepEqual(calls, ['run:a', 'run:b', 'cleanup:b', 'cleanup:a']);
  });

  it('skips steps without cleanup and survives a throwing progress reporter', async () => {
    const calls: string[] = [];
    const steps: BuildStep<string[]>[] = [
      { name: 'plain', run: async (state) => void state.push('plain') },
      ...recordingSteps(['b'], calls),
    ];
    const state: string[] = [];
    const result = await runSteps(steps, state, {
      signal: new AbortController().signal,
      log: newLog(),
      onStep: () => {
        throw new Error('reporter down');
      },
    });
    assert.equal(result.ok, true);
    assert.deepEqual(state, ['plain']);
    assert.deepEqual(calls, ['run:b', 'cleanup:b']);
  });

  it('passes over, without a word, a step that does not apply to the state the steps before it left', async () => {
    const calls: string[] = [];
    const [decide, optional, last] = recordingSteps(['decide', 'optional', 'last'], calls);
    const state = { inVm: false };
    const log = newLog();
    const steps: BuildStep<typeof state>[] = [decide, { ...optional, applies: (s) => s.inVm }, last];
    const result = await runSteps(steps, state, { signal: new AbortController().signal, log });
    assert.equal(result.ok, true);
    assert.deepEqual(calls, ['run:decide', 'run:last', 'cleanup:last', 'cleanup:decide']);
    assert.doesNotMatch(readFileSync(log.path, 'utf8'), /optional/);
  });
});
