/**
 * API speed (issue 17): `wrk` GETs of one gallery image definition over HTTPS against `kiln serve`
 * (a process of its own, SQLite, the test CA's certificate), side by side in one run with a bare
 * node:https server in a process of its own answering the same JSON body on the same certificate and
 * key (support/bare-https-main.ts), and the ratio Kiln / bare. Besides:
 *
 * - (b) the versions of one definition (`--versions`, default 2,000) listed page by page, following
 *   `nextLink`, against the bare server answering the same pages' paths with the same bodies: pages,
 *   time per page, total. The first `--api-versions` (default 20) are made through the API (an
 *   image from a 1 MiB VHD, each version from it, the SDK's poller at 50 ms) and timed; the rest
 *   are that first version's record copied under new names straight into the server's SQLite file
 *   (the store's own `apply`, as the domain writes it), since each API create runs a replication job.
 * - (c) the same GET as (a) by a caller holding `--assignments` (default 100) role assignments, made
 *   through the role assignments API at various scopes: other resource groups, the subscription,
 *   the group, the gallery and the definition.
 *
 * The driver (this process) only sets up, runs wrk and walks pages; wrk, Kiln and the bare server
 * each run in processes of their own. `--profile DIR` starts Kiln under `node --cpu-prof` and prints,
 * once it has exited, where its CPU time went during each of its wrk runs (support/cpu-profile.ts);
 * the sampling costs a little, so numbers to record come from a run without it. Needs wrk
 * (`apt-get install -y wrk`). Usage and recorded runs: bench/README.md.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { openSqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.ts';
import { resourceKey } from '../src/core/resource-id.ts';
import type { Write } from '../src/ports/metadata-store.ts';
import { BUILT_IN_ROLES } from '../src/domain/authorization/built-in-roles.ts';
import type {
  GalleryImageVersion,
  GalleryImageVersionInternal,
} from '../src/domain/gallery-image-versions/gallery-image-version.ts';
import { resourceRecord, type ResourceData } from '../src/domain/shared/arm-resource.ts';
import { makeVhd, putRegionBlob } from '../test/support/disk-data.ts';
import { clientsFor, dataDirWithTestCa, startKilnProcess, type KilnProcess } from '../test/support/kiln-process.ts';
import { startBareHttps } from './support/bare-https.ts';
import { monotonicUs, profileTables, readProfile, summarize, type Window } from './support/cpu-profile.ts';
import { machine, markdownTable, median, ratio, timed } from './support/report.ts';
import { underTestCa } from './support/test-ca-env.ts';
import { cpuSeconds } from './support/qemu-process.ts';
import { requireWrk, runWrk, type WrkLoad, type WrkResult } from './support/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    versions: { type: 'string', default: '2000' },
    'api-versions': { type: 'string', default: '20' },
    assignments: { type: 'string', default: '100' },
    walks: { type: 'string', default: '5' },
    profile: { type: 'string' },
  },
});
const count = (name: keyof typeof values, min: number) => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} takes a whole number ≥ ${min}`);
  return value;
};
const load: WrkLoad = {
  seconds: count('seconds', 1),
  connections: count('connections', 1),
  threads: count('threads', 1),
};
const VERSIONS = count('versions', 1);
const API_VERSIONS = Math.min(count('api-versions', 1), VERSIONS);
const ASSIGNMENTS = count('assignments', 1);
const WALKS = count('walks', 1);
const PROFILE_DIR = values.profile && path.resolve(values.profile);

const RG = 'bench-api';
const GALLERY = 'gallery';
const DEFINITION = 'definition';
const LOCATION = 'westus';
const API = 'api-version=2023-07-03';
const ARM_SCOPE = 'https://management.azure.com/.default';
/** wrk warms each server up this long (TLS sessions, V8's optimizing compiler) before the run that counts. */
const WARM_UP_SECONDS = 3;
const fast = { updateIntervalInMs: 50 };

await requireWrk();
await underTestCa(main);

/** A server under load: where it listens and its process, whose CPU time is counted. */
interface Server {
  origin: string;
  pid: number;
}

/** A wrk run and the server's CPU time per request during it (user and system, all its threads). */
type Measured = WrkResult & { cpuUsPerRequest: number };

interface Setup {
  kiln: KilnProcess;
  dataDir: string;
  subscription: string;
  compute: ComputeManagementClient;
  resources: ResourceManagementClient;
  adminToken: string;
  groupId: string;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-api-'));
  const dataDir = await dataDirWithTestCa('kiln-bench-api-data-');
  if (PROFILE_DIR) await mkdir(PROFILE_DIR, { recursive: true });
  console.log(`${machine()}, dir ${work}`);
  console.log(`load average at the start: ${loadAverage()}`);
  const profileArgs = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const kiln = await startKilnProcess(dataDir, 0, [], profileArgs);
  const windows: Array<[string, Window]> = [];
  try {
    const { credential, subscriptionId: subscription } = await clientsFor(dataDir, kiln.url);
    const compute = new ComputeManagementClient(credential, subscription, { endpoint: kiln.url });
    const resources = new ResourceManagementClient(credential, subscription, { endpoint: kiln.url });
    const adminToken = (await credential.getToken(ARM_SCOPE))!.token;
    const groupId = `/subscriptions/${subscription}/resourceGroups/${RG}`;
    const setup: Setup = { kiln, dataDir, subscription, compute, resources, adminToken, groupId };
    const [, definitionSeconds] = await timed(async () => {
      await resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
      await compute.galleries.beginCreateOrUpdateAndWait(RG, GALLERY, { location: LOCATION }, fast);
      await compute.galleryImages.beginCreateOrUpdateAndWait(
        RG,
        GALLERY,
        DEFINITION,
        {
          location: LOCATION,
          osType: 'Linux',
          osState: 'Generalized',
          identifier: { publisher: 'kiln', offer: 'bench', sku: 'api' },
        },
        fast,
      );
    });
    console.log(`setup: resource group, gallery, image definition: ${definitionSeconds.toFixed(2)} s`);
    await makeVersions(setup, credential);
    const callerToken = await makeCallerWithAssignments(setup);

    // What Kiln answers, recorded for the bare server: the definition, and each page of the versions.
    const definitionPath = `${groupId}/providers/Microsoft.Compute/galleries/${GALLERY}/images/${DEFINITION}?${API}`;
    const routes = new Map([[definitionPath, await getText(kiln.url, definitionPath, adminToken)]]);
    const pages = await walkPages(kiln.url, `${groupId}${versionsPath()}`, adminToken, routes);
    const listed = pages.reduce((sum, page) => sum + page.items, 0);
    if (listed !== VERSIONS) throw new Error(`the versions' pages list ${listed} versions, not ${VERSIONS}`);

    const tlsDir = path.join(dataDir, 'tls');
    const bare = await startBareHttps(
      { cert: path.join(tlsDir, 'server.pem'), key: path.join(tlsDir, 'server-key.pem') },
      routes,
      work,
    );
    try {
      const wrk = async (name: string, server: Server, token: string): Promise<Measured> => {
        const headers = { authorization: `Bearer ${token}` };
        await runWrk(`${server.origin}${definitionPath}`, { ...load, seconds: WARM_UP_SECONDS, headers });
        const [from, cpuBefore] = [monotonicUs(), await cpuSeconds(server.pid)];
        const result = await runWrk(`${server.origin}${definitionPath}`, { ...load, headers });
        const cpuUs = ((await cpuSeconds(server.pid)) - cpuBefore) * 1e6;
        if (server.pid === kiln.child.pid) windows.push([name, { fromUs: from, toUs: monotonicUs() }]);
        if (result.non2xx > 0 || result.socketErrors)
          throw new Error(`${name}: ${result.non2xx} answers not 2xx, socket errors ${result.socketErrors ?? 'none'}`);
        console.log(`${name}: ${result.requestsPerSecond.toFixed(0)} req/s (load ${loadAverage()})`);
        return { ...result, cpuUsPerRequest: cpuUs / result.requests };
      };
      const kilnServer = { origin: kiln.url, pid: kiln.child.pid! };
      console.log(
        `\nGET of one image definition: wrk -t${load.threads} -c${load.connections} -d${load.seconds}s --latency` +
          ` (after ${WARM_UP_SECONDS} s of warm-up each)`,
      );
      const bareGet = await wrk('bare node:https', bare, adminToken);
      const kilnGet = await wrk('Kiln, admin', kilnServer, adminToken);
      const manyGet = await wrk(`Kiln, caller with ${ASSIGNMENTS} assignments`, kilnServer, callerToken);
      printWrkTable(bareGet, [
        ['Kiln, admin', kilnGet],
        [`Kiln, caller with ${ASSIGNMENTS} assignments`, manyGet],
      ]);

      console.log(`\nversions of the definition listed page by page (${WALKS} walks each, the two sides in turn)`);
      const walksOf = { bare: [] as number[][], kiln: [] as number[][] };
      for (let walk = 0; walk < WALKS; walk += 1) {
        const sides = [
          async () => walksOf.bare.push(await timePages(bare.origin, pages, adminToken)),
          async () => walksOf.kiln.push(await timePages(kiln.url, pages, adminToken)),
        ];
        for (const side of walk % 2 === 0 ? sides : sides.reverse()) await side();
      }
      printPagesTable(pages.length, walksOf.bare, walksOf.kiln);
    } finally {
      await bare.stop();
    }
  } finally {
    await stopGracefully(kiln);
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
  if (PROFILE_DIR) {
    // Kept beside the profile, for reading it again another way.
    await writeFile(path.join(PROFILE_DIR, 'wrk-windows.json'), JSON.stringify(Object.fromEntries(windows)));
    const profile = await readProfile(PROFILE_DIR);
    for (const [name, window] of windows)
      console.log(
        `\nKiln's CPU profile during the wrk run of ${name}:\n\n${profileTables(summarize(profile, window))}`,
      );
  }
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((average) => average.toFixed(2))
    .join(', ');
}

function versionsPath(): string {
  return `/providers/Microsoft.Compute/galleries/${GALLERY}/images/${DEFINITION}/versions?${API}`;
}

async function getText(origin: string, pathAndQuery: string, token: string): Promise<string> {
  const response = await fetch(`${origin}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${pathAndQuery}: ${response.status} ${text}`);
  return text;
}

/**
 * The versions: `API_VERSIONS` through the API from a managed image, then copies of the first one's
 * record straight into the store, so that the list has `VERSIONS`.
 */
async function makeVersions(setup: Setup, credential: Parameters<typeof putRegionBlob>[0]['credential']) {
  const { compute, kiln } = setup;
  const blobUri = await putRegionBlob({ url: kiln.url, credential }, LOCATION, 'vhds/bench-api.vhd', makeVhd(1, 'api'));
  const image = await compute.images.beginCreateOrUpdateAndWait(
    RG,
    'image',
    { location: LOCATION, storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } } },
    fast,
  );
  const [, apiSeconds] = await timed(async () => {
    for (let i = 0; i < API_VERSIONS; i += 1) {
      await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        GALLERY,
        DEFINITION,
        versionName(i),
        { location: LOCATION, storageProfile: { source: { id: image.id } } },
        fast,
      );
    }
  });
  console.log(
    `versions: ${API_VERSIONS} through the API in ${apiSeconds.toFixed(2)} s (${(apiSeconds / API_VERSIONS).toFixed(2)} s each, ` +
      `a replication job each; ${VERSIONS} that way would take about ${((apiSeconds / API_VERSIONS) * VERSIONS).toFixed(0)} s)`,
  );
  if (VERSIONS === API_VERSIONS) return;
  const [, storeSeconds] = await timed(async () => {
    const store = await openSqliteMetadataStore(path.join(setup.dataDir, 'kiln.db'));
    try {
      const firstId = `${setup.groupId}${versionsPath().split('?')[0]}/${versionName(0)}`;
      const first = await store.get<ResourceData<GalleryImageVersion, GalleryImageVersionInternal>>(
        resourceKey(firstId),
      );
      if (!first) throw new Error(`version ${firstId} is not in the store`);
      const copies = Array.from({ length: VERSIONS - API_VERSIONS }, (_, i) => {
        const name = versionName(API_VERSIONS + i);
        const resource = { ...first.data.resource, name, id: firstId.replace(/[^/]+$/, name) };
        return {
          op: 'put',
          record: resourceRecord(resource, first.data.internal),
          expect: { absent: true },
        } satisfies Write;
      });
      for (let i = 0; i < copies.length; i += 500) await store.apply(copies.slice(i, i + 500));
    } finally {
      await store.close();
    }
  });
  console.log(
    `versions: ${VERSIONS - API_VERSIONS} more as copies of the first one's record, straight into the store: ${storeSeconds.toFixed(2)} s`,
  );
}

function versionName(i: number): string {
  return `1.${Math.floor(i / 1000)}.${i % 1000}`;
}

/**
 * A new service principal (`kiln sp create`, as an operator makes one) holding `ASSIGNMENTS` role
 * assignments made by the admin through the API: each built-in role at other resource groups first,
 * then at the subscription, the group, the gallery and the definition, so the grants that reach the
 * definition come last. Returns its ARM token.
 */
async function makeCallerWithAssignments(setup: Setup): Promise<string> {
  const { kiln, dataDir, subscription, resources, adminToken, groupId } = setup;
  const { stdout } = await promisify(execFile)(process.execPath, [
    'bin/kiln.js',
    'sp',
    'create',
    '--data',
    dataDir,
    '--name',
    'bench-api-caller',
  ]);
  const caller = JSON.parse(stdout) as { appId: string; password: string; objectId: string; tenant: string };
  const others = Math.max(0, Math.ceil(ASSIGNMENTS / BUILT_IN_ROLES.length) - 4);
  const galleryId = `${groupId}/providers/Microsoft.Compute/galleries/${GALLERY}`;
  const scopes = [
    ...Array.from({ length: others }, (_, i) => `/subscriptions/${subscription}/resourceGroups/${RG}-other-${i + 1}`),
    `/subscriptions/${subscription}`,
    groupId,
    galleryId,
    `${galleryId}/images/${DEFINITION}`,
  ];
  const [, seconds] = await timed(async () => {
    for (let i = 0; i < others; i += 1)
      await resources.resourceGroups.createOrUpdate(`${RG}-other-${i + 1}`, { location: LOCATION });
    const pairs = scopes.flatMap((scope) => BUILT_IN_ROLES.map((role) => ({ scope, role }))).slice(0, ASSIGNMENTS);
    for (const { scope, role } of pairs) {
      const response = await fetch(
        `${kiln.url}${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            properties: {
              roleDefinitionId: `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${role.name}`,
              principalId: caller.objectId,
              principalType: 'ServicePrincipal',
            },
          }),
        },
      );
      if (response.status !== 201) throw new Error(`role assignment: ${response.status} ${await response.text()}`);
    }
  });
  console.log(
    `caller: ${ASSIGNMENTS} role assignments (${BUILT_IN_ROLES.length} built-in roles at ${others} other groups, ` +
      `the subscription, the group, the gallery, the definition) through the API: ${seconds.toFixed(2)} s`,
  );
  const response = await fetch(`${kiln.url}/${caller.tenant}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: caller.appId,
      client_secret: caller.password,
      resource: 'https://management.azure.com/',
    }),
  });
  const token = (await response.json()) as { access_token?: string };
  if (!token.access_token) throw new Error(`the caller's token: ${response.status} ${JSON.stringify(token)}`);
  return token.access_token;
}

interface ListedPage {
  /** Path and query, as a request line has it. */
  path: string;
  items: number;
}

/** Walks a list from `first` through its nextLinks, recording each page's path and body into `routes`. */
async function walkPages(
  origin: string,
  first: string,
  token: string,
  routes: Map<string, string>,
): Promise<ListedPage[]> {
  const pages: ListedPage[] = [];
  for (let next: string | undefined = first; next !== undefined;) {
    const text = await getText(origin, next, token);
    const page = JSON.parse(text) as { value: unknown[]; nextLink?: string };
    routes.set(next, text);
    pages.push({ path: next, items: page.value.length });
    next = page.nextLink && new URL(page.nextLink).pathname + new URL(page.nextLink).search;
  }
  return pages;
}

/** Milliseconds each page took, one request after the other on one keep-alive connection. */
async function timePages(origin: string, pages: ListedPage[], token: string): Promise<number[]> {
  const times: number[] = [];
  for (const page of pages) {
    const start = performance.now();
    await getText(origin, page.path, token);
    times.push(performance.now() - start);
  }
  return times;
}

function printWrkTable(bare: Measured, kiln: Array<[string, Measured]>): void {
  const row = (name: string, result: Measured) => [
    name,
    String(result.requests),
    result.requestsPerSecond.toFixed(0),
    result.p50Ms.toFixed(2),
    result.p90Ms.toFixed(2),
    result.p99Ms.toFixed(2),
    result.maxMs.toFixed(2),
    result.cpuUsPerRequest.toFixed(0),
    ratio(result.requestsPerSecond / bare.requestsPerSecond),
  ];
  console.log(
    `\n${markdownTable(
      ['server', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'server CPU µs/req', 'req/s / bare'],
      [row('bare node:https', bare), ...kiln.map(([name, result]) => row(name, result))],
    )}`,
  );
  const [, admin] = kiln[0];
  console.log(
    `\nKiln / bare: ${ratio(admin.requestsPerSecond / bare.requestsPerSecond)} (goal ≥ 0.5); ` +
      `Kiln p99 ${admin.p99Ms.toFixed(1)} ms (goal < 20 ms)`,
  );
}

function printPagesTable(pageCount: number, bare: number[][], kiln: number[][]): void {
  const totals = (walks: number[][]) => walks.map((walk) => walk.reduce((sum, ms) => sum + ms, 0));
  const row = (name: string, walks: number[][]) => {
    const perPage = walks.flat();
    return [
      name,
      String(pageCount),
      median(perPage).toFixed(2),
      Math.max(...perPage).toFixed(2),
      median(totals(walks)).toFixed(1),
    ];
  };
  console.log(
    `\n${markdownTable(
      ['server', 'pages', 'median ms per page', 'max ms per page', 'median total ms'],
      [row('bare node:https', bare), row('Kiln', kiln)],
    )}`,
  );
  console.log(`\nKiln / bare, total: ${ratio(median(totals(kiln)) / median(totals(bare)))}`);
}

/** SIGINT, as an operator stops `kiln serve`: it closes its stores and exits, writing its CPU profile when it has one. */
async function stopGracefully(kiln: KilnProcess): Promise<void> {
  if (kiln.child.exitCode !== null || kiln.child.signalCode !== null) return;
  const exited = new Promise((resolve) => kiln.child.once('exit', resolve));
  kiln.child.kill('SIGINT');
  await exited;
}
