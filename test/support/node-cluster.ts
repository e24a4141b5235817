/**
 * Kiln scaled out as an operator runs it, for the tests that kill nodes: `kiln serve` processes, each
 * with its own data folder (the first one's holds the config file they all read), on one new
 * PostgreSQL schema and Azure Blob regions (Azurite containers of their own). Every node prints its
 * job events (`--log-jobs`). `close` kills every node and removes the folders, the schema and Azurite.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { defaultConfig, type KilnConfig } from '../../src/app/config.ts';
import type { JobEvent } from '../../src/jobs/worker.ts';
import { startAzurite } from './azurite.ts';
import { clientsFor, dataDirWithTestCa, killKiln, startKilnProcess, type KilnProcess } from './kiln-process.ts';

export const POSTGRES_URL = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type NodeClients = Awaited<ReturnType<typeof clientsFor>> & { compute: ComputeManagementClient };

export interface NodeCluster {
  config: KilnConfig;
  /** Each node's data folder, by index. */
  dataDirs: string[];
  /** The database's arguments alone (a node started without the shared config). */
  database: string[];
  /** The schema the nodes share. */
  schema: string;
  /** The nodes as last started, by index. */
  nodes: KilnProcess[];
  /** Starts node `index` (on its former port when it ran before, so its URL stays). */
  start(index: number): Promise<KilnProcess>;
  /** The admin's clients through `node`: each node issues tokens as itself (the issuer is the URL asked). */
  through(node: KilnProcess): Promise<NodeClients>;
  /** `beforeRemove` runs on each data folder after the nodes are killed, before it goes. */
  close(beforeRemove?: (dataDir: string) => Promise<void>): Promise<void>;
}

export async function startNodeCluster(options: {
  name: string;
  nodes: number;
  regions: string[];
  /** Changes to the config every node reads. */
  configure?: (config: KilnConfig) => void;
}): Promise<NodeCluster> {
  const azurite = await startAzurite();
  const dataDirs: string[] = [];
  for (let i = 0; i < options.nodes; i++) dataDirs.push(await dataDirWithTestCa(`kiln-${options.name}-${i}-`));
  const schema = `kiln_${options.name.replaceAll('-', '_')}_${process.pid}_${Date.now()}`;
  const suffix = randomBytes(4).toString('hex');
  const config = defaultConfig();
  config.regions = config.regions
    .filter((r) => options.regions.includes(r.name))
    .map((r) => ({
      name: r.name,
      displayName: r.displayName,
      azureBlob: { connectionString: azurite.connectionString, container: `${r.name}-${suffix}` },
    }));
  options.configure?.(config);
  const configFile = join(dataDirs[0], 'config.json');
  await writeFile(configFile, JSON.stringify(config));
  const database = ['--db', POSTGRES_URL, '--db-schema', schema];
  const args = [...database, '--config', configFile, '--log-jobs'];
  const nodes: KilnProcess[] = [];
  const cluster: NodeCluster = {
    config,
    dataDirs,
    database,
    schema,
    nodes,
    async start(index) {
      nodes[index] = await startKilnProcess(dataDirs[index], nodes[index]?.port ?? 0, args);
      return nodes[index];
    },
    async through(node) {
      const client = await clientsFor(dataDirs[0], node.url);
      return {
        ...client,
        compute: new ComputeManagementClient(client.credential, client.subscriptionId, { endpoint: client.url }),
      };
    },
    async close(beforeRemove) {
      for (const node of nodes) await killKiln(node);
      for (const dataDir of dataDirs) {
        await beforeRemove?.(dataDir);
        await rm(dataDir, { recursive: true, force: true });
      }
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      await azurite.stop();
    },
  };
  try {
    for (let i = 0; i < options.nodes; i++) await cluster.start(i);
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

/** The job events a node printed so far (one JSON line each). */
export function jobEvents(node: KilnProcess): JobEvent[] {
  return node
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{"event":'))
    .map((line) => JSON.parse(line) as JobEvent);
}

/** What `probe` finds first, polling; a probe that throws is tried again, its last error named if time runs out. */
export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    const found = await probe().catch((error: unknown) => void (last = error));
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`No ${what} within ${seconds} s (last error: ${String(last)}).`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
