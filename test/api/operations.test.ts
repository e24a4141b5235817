// The operations endpoints of a started server (/healthz, /metrics) and its JSON log: what load
// balancers, Prometheus and an operator reading logs get, unauthenticated where they must be, and
// what none of them may see (resource names in metrics, tokens and SAS signatures in logs).
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jobRecord } from '../../src/jobs/job-record.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { templateRunEnded } from '../support/template-run.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const GROUP = 'ops-secret-group-name';
const DISK = 'ops-secret-disk-name';

/** One sample of the exposition format: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text format line by line, as a scraper does; comments are checked to come before their samples. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\w+) /.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') typed.add(comment[2]);
      continue;
    }
    const sample = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const [, name, labelText = '', value] = sample;
    assert.ok(
      [...typed].some((family) => name === family || name.startsWith(`${family}_`)),
      `${name} has no TYPE line before it`,
    );
    const labels: Record<string, string> = {};
    for (const [, key, raw] of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = raw.replace(/\\(.)/g, '$1');
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));

describe('operations endpoints and logs of a started server', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let token: string;
  const logLines: string[] = [];

  before(async () => {
    kiln = await startTestServer({ logger: { write: (line) => void logLines.push(line) } });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    token = (await kiln.credential.getToken('https://management.azure.com/.default')).token;
  });
  after(() => kiln.stop());

  const metrics = async () => {
    const response = await fetch(`${kiln.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseMetrics(await response.text());
  };

  it('answers liveness and readiness without a token or api-version, naming every check', async () => {
    const live = await fetch(`${kiln.url}/healthz/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'Live' });
    for (const path of ['/healthz/ready', '/healthz']) {
      const ready = await fetch(`${kiln.url}${path}`);
      assert.equal(ready.status, 200, path);
      const body = (await ready.json()) as {
        status: string;
        checks: Array<{ name: string; ok: boolean; latencyMs: number }>;
      };
      assert.equal(body.status, 'Ready');
      assert.deepEqual(
        body.checks.map((check) => [check.name, check.ok]),
        [['metadata', true], ...kiln.server.kiln.domain.regions.regions().map((region) => [`region:${region}`, true])],
      );
      for (const check of body.checks) assert.ok(check.latencyMs >= 0 && check.latencyMs < 2000, JSON.stringify(check));
    }
  });

  it('counts requests by route pattern and status with latency histograms, never naming a resource', async () => {
    const groupRoute = '/subscriptions/:subscription/resourcegroups/:name';
    const before = await metrics();
    const counted = (samples: Sample[], method: string, status: string) =>
      samples.filter(
        (s) =>
          s.name === 'kiln_http_requests_total' &&
          s.labels.method === method &&
          s.labels.status_code === status &&
          s.labels.route === groupRoute,
      );
    const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate(GROUP, { location: 'westus' });
    await resources.resourceGroups.get(GROUP);
    await resources.resourceGroups.get(GROUP);
    await assert.rejects(resources.resourceGroups.get(`${GROUP}-absent`), { statusCode: 404 });

    const after = await metrics();
    const [gets] = counted(after, 'GET', '200');
    assert.ok(gets, `no GET 200 counter for ${groupRoute}`);
    assert.equal(gets.value - (counted(before, 'GET', '200')[0]?.value ?? 0), 2);
    assert.equal((counted(after, 'GET', '404')[0]?.value ?? 0) - (counted(before, 'GET', '404')[0]?.value ?? 0), 1);
    assert.equal(counted(after, 'PUT', '201').length, 1);
    const labels = { method: 'GET', route: gets.labels.route, status_code: '200' };
    const buckets = after.filter(
      (s) => s.name === 'kiln_http_request_duration_seconds_bucket' && find([s], s.name, labels) !== undefined,
    );
    assert.ok(buckets.length > 5, 'latency buckets');
    assert.equal(buckets.at(-1)?.labels.le, '+Inf');
    assert.ok(buckets.at(-1)!.value >= 2);
    assert.ok(find(after, 'kiln_http_request_duration_seconds_count', labels)!.value >= 2);
    // Process metrics come along; resource names and ids never do.
    assert.ok(find(after, 'process_cpu_user_seconds_total', {}));
    const text = JSON.stringify(after);
    assert.ok(!text.includes(GROUP) && !text.includes(kiln.subscriptionId), 'a resource name or id in the metrics');
  });

  it('counts job events by task, and the time and bytes of a replication', async () => {
    const before = await metrics();
    const disk = await compute.disks.beginCreateOrUpdateAndWait(GROUP, DISK, {
      location: 'westus',
      creationData: { createOption: 'Empty' },
      diskSizeGB: 1,
    });
    assert.equal(disk.provisioningState, 'Succeeded');
    await compute.galleries.beginCreateOrUpdateAndWait(GROUP, 'opsgallery', { location: 'westus' });
    await compute.galleryImages.beginCreateOrUpdateAndWait(GROUP, 'opsgallery', 'opsimage', linuxDefinition('westus'));
    const version = await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      GROUP,
      'opsgallery',
      'opsimage',
      '1.0.0',
      {
        location: 'westus',
        publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
        storageProfile: { osDiskImage: { source: { id: disk.id } } },
      },
    );
    assert.equal(version.provisioningState, 'Succeeded');

    const after = await metrics();
    const grew = (name: string, labels: Record<string, string>) =>
      (find(after, name, labels)?.value ?? 0) - (find(before, name, labels)?.value ?? 0);
    const finished = after.filter((s) => s.name === 'kiln_job_events_total' && s.labels.event === 'finished');
    const tasks = finished.filter((s) => grew(s.name, s.labels) > 0).map((s) => s.labels.task);
    assert.ok(tasks.includes('galleryVersion.replicate'), `tasks that finished jobs: ${tasks}`);
    assert.ok(tasks.length >= 2, `the disk's job and the replication: ${tasks}`);
    for (const task of tasks) assert.ok(grew('kiln_job_events_total', { task, event: 'claimed' }) >= 1, task);
    assert.equal(grew('kiln_replication_duration_seconds_count', { outcome: 'finished' }), 1);
    assert.ok(find(after, 'kiln_replication_duration_seconds_bucket', { outcome: 'finished', le: '+Inf' }));
    // The footer's chunk crossed to eastus (the zeros were adopted there); westus, the version's own region, moved nothing.
    assert.ok(grew('kiln_replication_bytes_total', { region: 'eastus' }) >= 512);
    assert.equal(find(after, 'kiln_replication_bytes_total', { region: 'westus' }), undefined);
    assert.ok(!JSON.stringify(after).includes(DISK));
  });

  it('times each build and counts the bytes it put into the region store', async () => {
    const before = await metrics();
    const imageId = await busyboxManagedImage(kiln, 'ops-build-group');
    const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const fast = { updateIntervalInMs: 50 };
    await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(
      'ops-build-group',
      'ops-template',
      {
        location: 'westus',
        identity: { type: 'None' },
        source: { type: 'ManagedImage', imageId },
        customize: [{ type: 'Shell', name: 'motd', inline: ['echo metered > /etc/motd'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
      fast,
    );
    await builder.virtualMachineImageTemplates.beginRunAndWait('ops-build-group', 'ops-template', fast);
    const template = await templateRunEnded(builder, 'ops-build-group', 'ops-template');
    assert.equal(template.lastRunStatus?.runState, 'Succeeded', JSON.stringify(template.lastRunStatus));

    const after = await metrics();
    const grew = (name: string, labels: Record<string, string>) =>
      (find(after, name, labels)?.value ?? 0) - (find(before, name, labels)?.value ?? 0);
    assert.equal(grew('kiln_build_duration_seconds_count', { outcome: 'finished' }), 1);
    assert.ok(grew('kiln_build_duration_seconds_sum', { outcome: 'finished' }) > 0);
    // The build changed /etc/motd: at least one chunk, at most the 48 MiB image and its footer.
    const bytes = grew('kiln_build_bytes_total', { region: 'westus' });
    assert.ok(bytes >= 512 && bytes <= 48 * 1024 * 1024 + 512, `build bytes: ${bytes}`);
  });

  it('counts the jobs in the store by state and task, whichever node serves them', async () => {
    // A job of a task no worker here serves (another node's, a newer Kiln's) waits queued.
    const job = jobRecord({
      id: randomUUID(),
      task: 'ops.unservedHere',
      payload: {},
      state: 'queued',
      attempts: 0,
      runAfter: new Date().toISOString(),
    });
    const { store } = kiln.server.kiln;
    await store.apply([{ op: 'put', record: job, expect: { absent: true } }]);
    const labels = { state: 'queued', task: 'ops.unservedHere' };
    assert.equal(find(await metrics(), 'kiln_jobs', labels)?.value, 1);
    await store.apply([{ op: 'delete', key: job.key }]);
    assert.equal(find(await metrics(), 'kiln_jobs', labels)?.value, 0, 'the series stays, at 0');
  });

  it('logs each request with the request and correlation ids it answered, no bearer token and no SAS signature', async () => {
    const correlation = 'ops-correlation-1';
    const response = await fetch(
      `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourceGroups/${GROUP}?api-version=2021-04-01`,
      { headers: { authorization: `Bearer ${token}`, 'x-ms-correlation-request-id': correlation } },
    );
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-ms-request-id')!;
    assert.equal(response.headers.get('x-ms-correlation-request-id'), correlation);

    const access = await compute.disks.grantAccess(GROUP, DISK, { access: 'Read', durationInSeconds: 600 });
    const sas = new URL(access.accessSAS!);
    const signature = sas.searchParams.get('sig')!;
    assert.ok(signature.length > 10);
    const read = await fetch(sas, { headers: { range: 'bytes=0-511' } });
    assert.equal(read.status, 206);
    await read.arrayBuffer();
    await compute.disks.revokeAccess(GROUP, DISK);

    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const own = lines.filter((line) => line.requestId === requestId);
    assert.deepEqual(
      own.map((line) => [line.msg, line.correlationId]),
      [
        ['incoming request', correlation],
        ['request completed', correlation],
      ],
    );
    assert.equal((own[1].res as { statusCode: number }).statusCode, 200);
    const blobLine = lines.find((line) => String((line.req as { url?: string })?.url ?? '').startsWith(sas.pathname));
    assert.ok(blobLine, 'the blob request is logged');
    assert.match(String((blobLine.req as { url: string }).url), /[?&]sig=REDACTED(&|$)/);
    // Job events name their job and task.
    assert.ok(
      lines.some(
        (line) => line.msg === 'job finished' && typeof line.job === 'string' && typeof line.task === 'string',
      ),
    );
    const all = logLines.join('');
    for (const secret of [signature, encodeURIComponent(signature), token, kiln.admin.password])
      assert.ok(!all.includes(secret), 'a secret in the log');
  });

  it('answers 503 naming a region whose store is gone, showing a code and no path', async () => {
    const region = kiln.server.kiln.domain.regions.regions()[0];
    await rm(join(kiln.dataDir, 'regions', region), { recursive: true, force: true });
    const response = await fetch(`${kiln.url}/healthz/ready`);
    assert.equal(response.status, 503);
    const text = await response.text();
    const body = JSON.parse(text) as {
      status: string;
      failed: string[];
      checks: Array<{ name: string; error?: string }>;
    };
    assert.equal(body.status, 'NotReady');
    assert.deepEqual(body.failed, [`region:${region}`]);
    assert.equal(body.checks.find((check) => check.name === `region:${region}`)?.error, 'ENOENT');
    assert.ok(!text.includes(kiln.dataDir), 'the data folder in the answer');
    assert.equal((await fetch(`${kiln.url}/healthz/live`)).status, 200);
  });
});
