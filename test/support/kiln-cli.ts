/**
 * The `kiln` CLI as a user runs it against a test server: a child process per command, with its own
 * config folder (KILN_CONFIG_DIR) and without NODE_EXTRA_CA_CERTS, so HTTPS trust comes from the
 * CA given at login.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from './test-server.ts';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  configDir: string;
  /** Runs `kiln ...args`; never throws for a failing command. */
  run(...args: string[]): Promise<CliRun>;
  /** Runs it, asserts exit code 0, returns stdout. */
  ok(...args: string[]): Promise<string>;
  /** Runs it, asserts exit code 0, parses stdout as JSON. */
  json<T = Record<string, unknown>>(...args: string[]): Promise<T>;
  /** `kiln login` with the server's admin principal and its CA; asserts it succeeded (naming its error), returns stdout. */
  login(): Promise<string>;
}

/** `env` adds to the commands' environment (e.g. HOME, where `vm create --generate-ssh-keys` writes). */
export async function kilnCli(kiln: TestServer, options: { env?: NodeJS.ProcessEnv } = {}): Promise<Cli> {
  const configDir = await mkdtemp(join(tmpdir(), 'kiln-cli-config-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, KILN_CONFIG_DIR: configDir };
  delete env.NODE_EXTRA_CA_CERTS;
  const run = (...args: string[]) =>
    new Promise<CliRun>((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/kiln.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  const ok = async (...args: string[]) => {
    const result = await run(...args);
    assert.equal(result.status, 0, `kiln ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  return {
    configDir,
    run,
    ok,
    json: async <T>(...args: string[]) => JSON.parse(await ok(...args)) as T,
    login: () => ok(...loginArgs(kiln)),
  };
}

/**
 * `kiln login`'s arguments for the server's admin principal and its CA; `password` replaces the
 * secret, and `caCert: null` leaves --ca-cert out (then the server's certificate is not trusted).
 */
export function loginArgs(
  kiln: TestServer,
  { password = kiln.admin.password, caCert = join(kiln.dataDir, 'tls', 'ca.pem') }: LoginOptions = {},
): string[] {
  const principal = ['--service-principal', '-u', kiln.admin.appId, '-p', password, '--tenant', kiln.tenantId];
  return ['login', '--server', kiln.url, ...principal, ...(caCert === null ? [] : ['--ca-cert', caCert])];
}

export interface LoginOptions {
  password?: string;
  caCert?: string | null;
}
