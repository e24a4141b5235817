import { parseArgs } from 'node:util';
import { startServer } from '../../app/server.ts';
import { defaultDataDir } from '../data-dir.ts';

export const serveHelp = `Usage: kiln serve [--data DIR] [--port N] [--host ADDR] [--http] [--cert FILE --key FILE] [--config FILE] [--db URL] [--db-schema S] [--workers N] [--lease-ms N] [--log] [--log-jobs] [--customizer-network]

Serves Kiln's ARM-compatible API over HTTPS until stopped.

  --data DIR     data folder (default ${defaultDataDir()})
  --config FILE  config.json elsewhere than the data folder: nodes sharing one database read one
                 file (made there by the first start when missing)
  --port N       port to listen on (default 8443; 0 picks a free one)
  --host ADDR    address to listen on (default 127.0.0.1)
  --http         plain HTTP instead of HTTPS
  --cert, --key  your own certificate and key (PEM) instead of Kiln's local CA
  --db URL       postgres://... to keep metadata in PostgreSQL (default: SQLite in the data folder)
  --db-schema S  PostgreSQL schema (default kiln), so several installs can share one database
  --log          JSON log lines on stdout: each request with its x-ms-request-id and correlation id,
                 each job event with its job id and task (no tokens, secrets or SAS signatures)
  --log-jobs     print one JSON line per job event (claimed, finished, failed) on stdout
  --workers N    job workers in this process (default 1)
  --lease-ms N   how long a job stays claimed by a worker that stopped answering (default 30000)
  --customizer-network
                 let image build customizer scripts use this host's network, its loopback
                 included (default off, or build.customizerNetwork in config.json)

Example:
  kiln serve --data ./kiln-data --port 8443
  export NODE_EXTRA_CA_CERTS=./kiln-data/tls/ca.pem`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      http: { type: 'boolean' },
      cert: { type: 'string' },
      key: { type: 'string' },
      db: { type: 'string' },
      workers: { type: 'string' },
      'lease-ms': { type: 'string' },
      'db-schema': { type: 'string' },
      log: { type: 'boolean' },
      'log-jobs': { type: 'boolean' },
      'customizer-network': { type: 'boolean' },
    },
  });
  if ((values.cert === undefined) !== (values.key === undefined)) throw new Error('--cert and --key go together');
  const server = await startServer({
    dataDir: values.data ?? defaultDataDir(),
    configFile: values.config,
    port: values.port === undefined ? 8443 : Number(values.port),
    host: values.host,
    plainHttp: values.http,
    certFile: values.cert,
    keyFile: values.key,
    db: values.db,
    dbSchema: values['db-schema'],
    onJobEvent: values['log-jobs'] ? (event) => console.log(JSON.stringify(event)) : undefined,
    workers: values.workers === undefined ? 1 : Number(values.workers),
    leaseMs: values['lease-ms'] === undefined ? undefined : Number(values['lease-ms']),
    customizerNetwork: values['customizer-network'],
    logger: values.log ?? false,
  });
  console.log(`Kiln is serving at ${server.url}`);
  console.log(
    `Tenant ${server.kiln.config.tenantId}; subscriptions ${server.kiln.config.subscriptions.map((s) => s.id).join(', ')}`,
  );
  if (server.caPath)
    console.log(
      `CA certificate: ${server.caPath} (trust it: export NODE_EXTRA_CA_CERTS=${server.caPath} REQUESTS_CA_BUNDLE=${server.caPath})`,
    );
  console.log(
    `Image builder principal: objectId ${server.builder.objectId} (appId ${server.builder.appId}); builds act as it (see build.builderGrants)`,
  );
  if (server.adminCredentialsPath)
    console.log(`Admin service principal created; its appId and secret are in ${server.adminCredentialsPath}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
