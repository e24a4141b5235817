// scripts/test-ca.ts, as several test runs start it at once on one machine: they must agree on one
// CA that, once any of them can read it, never changes (their test processes already trust it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const RUNS = 4;

describe('the shared test CA', () => {
  it('is published once, whole, by one of several runs racing to make it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-test-ca-race-'));
    const caPath = join(dir, 'tls', 'ca.pem');
    const seen = new Set<string>();
    const watch = setInterval(() => {
      try {
        seen.add(readFileSync(caPath, 'utf8'));
      } catch {
        // Not published yet.
      }
    }, 2);
    try {
      const runs = await Promise.all(
        Array.from({ length: RUNS }, () =>
          promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/test-ca.ts', dir], { encoding: 'utf8' }),
        ),
      );
      clearInterval(watch);
      seen.add(readFileSync(caPath, 'utf8'));
      assert.deepEqual(
        runs.map((run) => run.stdout.trim()),
        Array(RUNS).fill(caPath),
      );
      assert.equal(seen.size, 1, `ca.pem was rewritten after it was published (${seen.size} versions seen)`);
      assert.ok(
        new X509Certificate([...seen][0]).checkPrivateKey(
          createPrivateKey(readFileSync(join(dir, 'tls', 'ca-key.pem'))),
        ),
        'ca.pem matches ca-key.pem',
      );
      assert.deepEqual(await readdir(dir), ['tls'], 'no staging folder is left');
    } finally {
      clearInterval(watch);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
