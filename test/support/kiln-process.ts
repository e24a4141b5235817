/**
 * `kiln serve` as its own process, as an operator runs it, for tests that kill and restart it.
 *
 * Ports: a first start asks for port 0 and reads the one the OS gave from the server's banner, so
 * parallel test files never pick the same port; a restart passes that port again, so clients keep
 * their URL (it is free again once the killed process has exited).
 */
import { ClientSecretCredential } from '@azure/identity';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KilnProcess {
  child: ChildProcess;
  /** Where it serves, from its banner, e.g. https://127.0.0.1:41234. */
  url: string;
  port: number;
  output(): string;
}

/** A data folder holding the test CA, so the server's certificate is trusted by this process. */
export async function dataDirWithTestCa(prefix: string): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  await cp(join(process.env.KILN_TEST_TLS_DIR!, 'ca.pem'), join(dataDir, 'tls', 'ca.pem'));
  await cp(join(process.env.KILN_TEST_TLS_DIR!, 'ca-key.pem'), join(dataDir, 'tls', 'ca-key.pem'));
  return dataDir;
}

/**
 * `port`: 0 for one the OS picks; a restart passes the port of the process it replaces. `nodeArgs` go
 * to node before the script (a benchmark's `--cpu-prof`).
 */
export async function startKilnProcess(
  dataDir: string,
  port = 0,
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
): Promise<KilnProcess> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      'bin/kiln.js',
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--lease-ms',
      '1500',
      ...extraArgs,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    // The whole line: a chunk may end inside the URL.
    const check = () => {
      const banner = /Kiln is serving at (\S+)\n/.exec(out);
      if (banner) resolve(banner[1]);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`kiln serve exited with ${code}: ${out}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => out };
}

export async function killKiln(kiln: KilnProcess): Promise<void> {
  if (kiln.child.exitCode !== null || kiln.child.signalCode !== null) return;
  const exited = new Promise((resolve) => kiln.child.once('exit', resolve));
  kiln.child.kill('SIGKILL');
  await exited;
}

/** The admin's credential and the subscription of a data folder's server at `url`. */
export async function clientsFor(dataDir: string, url: string) {
  const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
  const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'));
  return {
    url,
    subscriptionId: config.subscriptions[0].id as string,
    credential: new ClientSecretCredential(admin.tenant, admin.appId, admin.password, {
      authorityHost: url,
      disableInstanceDiscovery: true,
    }),
  };
}
