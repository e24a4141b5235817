/**
 * Debian's azure-cli, unmodified, pointed at a test server: a config folder of its own, Kiln's test CA
 * trusted, Kiln registered as a cloud with an AD FS-style authority and the admin logged in (the
 * README's "Use the Azure CLI with Kiln" steps). az runs asynchronously, since the server answering
 * it runs in the test's own process.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from './test-server.ts';

export const hasAz = spawnSync('az', ['version'], { encoding: 'utf8' }).status === 0;

export interface AzResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface AzureCli {
  /** Runs az; a failure fails the test with what az printed. Returns parsed JSON when there is output. */
  az(...args: string[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Runs az and returns what happened, for commands expected to fail. */
  run(...args: string[]): Promise<AzResult>;
  /** The folder az keeps its configuration in (and a scratch place for files az reads). */
  work: string;
  close(): Promise<void>;
}

export async function signedInAzureCli(server: TestServer, profile = 'latest'): Promise<AzureCli> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-az-'));
  const env = {
    HOME: work,
    ...process.env,
    AZURE_CONFIG_DIR: join(work, 'az'),
    // Python's requests trusts this bundle instead of the system's: Kiln's test CA.
    REQUESTS_CA_BUNDLE: join(process.env.KILN_TEST_TLS_DIR!, 'ca.pem'),
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: '1',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
  };
  const run = (...args: string[]) =>
    new Promise<AzResult>((resolve) => {
      execFile('az', args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  const az = async (...args: string[]) => {
    const result = await run(...args);
    assert.equal(result.status, 0, `az ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
    return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
  };
  await az(
    'cloud',
    'register',
    '-n',
    'kiln',
    '--endpoint-resource-manager',
    server.url,
    '--endpoint-active-directory',
    `${server.url}/adfs`,
    '--endpoint-active-directory-resource-id',
    'https://management.core.windows.net/',
    '--endpoint-active-directory-graph-resource-id',
    'https://graph.windows.net/',
    '--endpoint-management',
    'https://management.core.windows.net/',
    '--suffix-storage-endpoint',
    'core.windows.net',
    '--profile',
    profile,
  );
  await az('cloud', 'set', '-n', 'kiln');
  await az(
    'login',
    '--service-principal',
    '-u',
    server.admin.appId,
    '-p',
    server.admin.password,
    '--tenant',
    server.tenantId,
  );
  return { az, run, work, close: () => rm(work, { recursive: true, force: true }) };
}
