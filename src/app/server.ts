/**
 * `kiln serve`: the HTTPS server (or plain HTTP when asked) and the job workers, over the stores the
 * configuration picks.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import type { JobEvent } from '../jobs/worker.ts';
import { buildApp } from '../http/app.ts';
import type { LogDestination } from '../http/log-options.ts';
import type { ServicePrincipal } from '../domain/identity/service-principals.ts';
import { ensureAdminPrincipal } from './admin-principal.ts';
import { ensureBuilderPrincipal } from './builder-principal.ts';
import { nodeWatchSettings, operatorBuildSettings } from './config.ts';
import { nodeIdentity } from './node-identity.ts';
import { openKiln, type Kiln, type KilnOptions } from './kiln.ts';
import { loadPortalFiles } from './portal-files.ts';
import { inProcessResourceManager } from '../adapters/in-process-resource-manager.ts';
import { linkedDocumentFetcher } from './linked-documents.ts';
import { selfFetch } from './self-fetch.ts';
import { createServerMetrics } from './server-metrics.ts';
import { ensureTls } from './tls.ts';
import { startWorkers } from './workers.ts';

/** The audience of the tokens a deployment's requests carry. */
const ARM_AUDIENCE = 'https://management.azure.com/';

export interface ServerOptions extends KilnOptions {
  port?: number;
  host?: string;
  /** Serve plain HTTP instead of HTTPS. */
  plainHttp?: boolean;
  /** The operator's own certificate and key (PEM files) instead of Kiln's local CA. */
  certFile?: string;
  keyFile?: string;
  /** Job workers in this process (0 for an API-only node). */
  workers?: number;
  leaseMs?: number;
  pollMs?: number;
  /** JSON log lines, requests and job events (http/log-options.ts), on standard output or to the destination given. */
  logger?: boolean | LogDestination;
  /** How long a request waits for quick long-running work before answering 201/202 (default 1000 ms). */
  lroWaitMs?: number;
  onJobEvent?: (event: JobEvent) => void;
  /** Customizer scripts share the host's network; when unset, `build.customizerNetwork` in config.json decides (default off). */
  customizerNetwork?: boolean;
}

export interface RunningServer {
  url: string;
  /** Kiln's CA certificate, when Kiln made the server certificate. */
  caPath?: string;
  /** Where the first start wrote the admin principal's credentials. */
  adminCredentialsPath?: string;
  /** The principal builds act as, which role assignments name to let it build. */
  builder: ServicePrincipal;
  kiln: Kiln;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  // The URL must be known before the token authority exists: clients ask for tokens whose audience is it.
  const reserved = options.port === 0 ? await reservePort(host) : undefined;
  const port = reserved?.port ?? options.port ?? 8443;
  const secure = !options.plainHttp || Boolean(options.certFile);
  const url = `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kiln = await openKiln({ ...options, publicUrl: options.publicUrl ?? url });
  // The region folders are this server's from its start, not from its first write: a `kiln build` on them fails at once.
  await kiln.openRegions();
  const adminCredentialsPath = await ensureAdminPrincipal(kiln.domain, options.dataDir);
  const builder = await ensureBuilderPrincipal(kiln);
  // Checked before the API listens: a bad build setting stops the start instead of failing every build.
  const build = operatorBuildSettings(kiln.config);
  const node = { id: await nodeIdentity(options.dataDir), ...nodeWatchSettings(kiln.config) };
  let https: { key: string; cert: string } | undefined;
  let caPath: string | undefined;
  if (options.certFile && options.keyFile) {
    https = { cert: await readFile(options.certFile, 'utf8'), key: await readFile(options.keyFile, 'utf8') };
  } else if (!options.plainHttp) {
    const tls = await ensureTls(options.dataDir, { hostnames: host === '0.0.0.0' || host === '::' ? [] : [host] });
    https = { cert: tls.cert, key: tls.key };
    caPath = tls.caPath;
  }
  const metrics = createServerMetrics(kiln.store);
  kiln.domain.meters = metrics.meters;
  const app = await buildApp(
    {
      domain: kiln.domain,
      tokens: kiln.accessCache.tokens(kiln.authority),
      callerAccess: (principalId) => kiln.accessCache.callerAccess(kiln.domain, principalId),
      authority: kiln.authority,
      sasSecret: kiln.sasSecret,
      armAudiences: kiln.armAudiences,
      lroWaitMs: options.lroWaitMs ?? 1000,
    },
    { https, logger: options.logger, metrics: metrics.registry, portal: { files: await loadPortalFiles() } },
  );
  // Deployments fetch their links by the downloads' rules, Kiln's own blob URLs through this app (set
  // once the app exists; the app's domain context is this object).
  kiln.domain.documents = linkedDocumentFetcher({
    publicUrl: kiln.domain.settings.publicUrl,
    policy: build.downloads,
    ownFetch: selfFetch(app),
  });
  // The reservation is let go only once the app is ready, so the port is free for a moment, not the seconds the start took.
  await app.ready();
  await reserved?.release();
  await app.listen({ port, host });

  const workers = startWorkers(kiln, {
    dataDir: options.dataDir,
    workers: options.workers ?? 1,
    leaseMs: options.leaseMs,
    pollMs: options.pollMs,
    onError: (error, job) =>
      app.log.error({ err: error, ...(job ? { job: job.id, task: job.task } : {}) }, 'job worker error'),
    onJobEvent: (event) => {
      metrics.onJobEvent(event);
      logJobEvent(app.log, event);
      options.onJobEvent?.(event);
    },
    customizerNetwork: options.customizerNetwork,
    build,
    node,
    selfFetch: selfFetch(app),
    resources: inProcessResourceManager({
      app,
      token: async (appId) => (await kiln.authority.issueIdentityToken(appId, ARM_AUDIENCE)).accessToken,
    }),
  });
  return {
    url,
    caPath,
    adminCredentialsPath,
    builder,
    kiln,
    app,
    async close() {
      await app.close();
      await workers.stop();
      await kiln.close();
    },
  };
}

/** One line per job event, naming the job and its task; a failure's or retry's error at warn level. */
function logJobEvent(log: FastifyBaseLogger, { event, job, task, worker, attempt, error }: JobEvent): void {
  const line = { job, task, worker, attempt, ...(error === undefined ? {} : { error }) };
  if (event === 'failed' || event === 'retrying' || event === 'lease-lost') log.warn(line, `job ${event}`);
  // A task waiting on other work (RetryLater) is routine, not a warning.
  else log.info(line, `job ${event}`);
}

/**
 * A free port, held by a listening socket until `release()`. Probing and closing at once left the
 * port free for the whole start (seconds on a busy machine), and another process listening on port 0
 * could be handed it. Unreferenced, so a start that fails before releasing it does not keep the process alive.
 */
async function reservePort(host: string): Promise<{ port: number; release(): Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, host, resolve);
  });
  holder.unref();
  // Nobody has been told the port yet; a stray connection must not delay release().
  holder.on('connection', (socket) => socket.destroy());
  const port = (holder.address() as AddressInfo).port;
  return { port, release: () => new Promise<void>((resolve) => holder.close(() => resolve())) };
}
