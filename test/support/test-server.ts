/**
 * Starts a real Kiln server (HTTPS, SQLite unless told otherwise) in a fresh data folder, with the
 * test CA that the test runner made trusted through NODE_EXTRA_CA_CERTS.
 */
import { ClientSecretCredential } from '@azure/identity';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { defaultConfig, type KilnConfig } from '../../src/app/config.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../src/app/server.ts';
import { workRoot } from '../../src/app/workers.ts';
import { removeRunWork } from '../../src/imaging/disk/run-space.ts';

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  subscriptionId: string;
  tenantId: string;
  admin: { appId: string; password: string; tenant: string };
  credential: ClientSecretCredential;
  /** Stops the server; `keepData` leaves the folder for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** `config` replaces parts of a fresh configuration (quotas, more subscriptions) before the first start. */
export async function startTestServer(
  options: Partial<ServerOptions> & { config?: Partial<KilnConfig> } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kiln-test-')));
  if (options.config)
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ ...defaultConfig(), ...options.config }));
  const tlsDir = process.env.KILN_TEST_TLS_DIR;
  if (!tlsDir) throw new Error('KILN_TEST_TLS_DIR is not set: run the tests through `npm test`');
  await cp(join(tlsDir, 'ca.pem'), join(dataDir, 'tls', 'ca.pem'), { force: false, errorOnExist: false });
  await cp(join(tlsDir, 'ca-key.pem'), join(dataDir, 'tls', 'ca-key.pem'), { force: false, errorOnExist: false });
  const server = await startServer({ port: 0, workers: 1, pollMs: 50, leaseMs: 5000, ...options, dataDir });
  const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
  const credential = new ClientSecretCredential(admin.tenant, admin.appId, admin.password, {
    authorityHost: server.url,
    disableInstanceDiscovery: true,
  });
  return {
    server,
    url: server.url,
    dataDir,
    subscriptionId: server.kiln.config.subscriptions[0].id,
    tenantId: server.kiln.config.tenantId,
    admin,
    credential,
    async stop({ keepData = false } = {}) {
      await server.close();
      if (keepData) return;
      // A run kept for debugging (onCustomizerError: abort) keeps its space mounted; rm cannot remove a mount point.
      for (const run of await readdir(workRoot(dataDir)).catch(() => []))
        await removeRunWork(join(workRoot(dataDir), run));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in as a new service principal holding `role` at `scope` (as `az ad sp create-for-rbac --role
 * --scopes`): the caller a test needs when the admin, who may do anything, would prove nothing.
 */
export async function principalCredential(
  kiln: TestServer,
  displayName: string,
  role: string,
  scope: string,
): Promise<ClientSecretCredential> {
  const made = await kiln.server.kiln.createServicePrincipal(displayName, { role, scopes: [scope] });
  return new ClientSecretCredential(made.tenant, made.appId, made.password, {
    authorityHost: kiln.url,
    disableInstanceDiscovery: true,
  });
}
