/**
 * Benchmarks that start a Kiln server in their own process (test/support/test-server.ts) need the
 * test CA: the server's certificate comes from it, and the SDK clients must trust it. Node reads
 * NODE_EXTRA_CA_CERTS once, when it starts, so a benchmark started without it runs itself again with
 * it (and KILN_TEST_TLS_DIR) set, making the CA in `$TMPDIR/kiln-test-ca` first when it is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTls } from '../../src/app/tls.ts';

/** Runs `main` with the test CA trusted: here when it is already, else in a child process that ends this one with its exit code. */
export async function underTestCa(main: () => Promise<void>): Promise<void> {
  const tlsDir = process.env.KILN_TEST_TLS_DIR ?? path.join(os.tmpdir(), 'kiln-test-ca', 'tls');
  const caPath = path.join(tlsDir, 'ca.pem');
  if (process.env.KILN_TEST_TLS_DIR === tlsDir && process.env.NODE_EXTRA_CA_CERTS === caPath) return main();
  if (!existsSync(caPath)) await ensureTls(path.dirname(tlsDir));
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KILN_TEST_TLS_DIR: tlsDir, NODE_EXTRA_CA_CERTS: caPath },
  });
  process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
