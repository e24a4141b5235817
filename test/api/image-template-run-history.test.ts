// Kiln's own `GET .../runHistory`: a template's runs, the one under way first, each with its state,
// message, start and end and the sub-states it went through with when each began; kept across runs
// (Azure's lastRunStatus shows only the last), newest first.
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { bootstrapBusybox } from '../../src/app/busybox-base.ts';
import type { RunHistoryEntry } from '../../src/domain/image-templates/run/run-history.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let builder: ImageBuilderClient;
let templateId: string;

before(async () => {
  kiln = await startTestServer();
  await bootstrapBusybox(kiln.server.kiln, { sizeMiB: 32 });
  await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
    endpoint: kiln.url,
  }).resourceGroups.createOrUpdate('images', { location: 'westus' });
  builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  templateId = (
    await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait('images', 'history', {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
      customize: [{ type: 'Shell', name: 'motd', inline: ['echo run > /etc/motd'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    })
  ).id!;
});
after(() => kiln?.stop());

async function runHistory(): Promise<RunHistoryEntry[]> {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const response = await fetch(`${kiln.url}${templateId}/runHistory?api-version=2025-10-01`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { value: RunHistoryEntry[] }).value;
}

it('is empty before the first run', async () => {
  assert.deepEqual(await runHistory(), []);
});

it('shows the run under way, then each ended run newest first with its sub-states and times', async () => {
  const first = await builder.virtualMachineImageTemplates.beginRun('images', 'history');
  const during = await runHistory();
  assert.equal(during.length, 1);
  assert.equal(during[0].runState, 'Running');
  assert.equal(during[0].subStates[0].runSubState, 'Queued');
  await first.pollUntilDone();

  const [ended] = await runHistory();
  const status = (await builder.virtualMachineImageTemplates.get('images', 'history')).lastRunStatus!;
  assert.equal(ended.runState, 'Succeeded', ended.message);
  assert.equal(ended.startTime, status.startTime!.toISOString());
  assert.equal(ended.endTime, status.endTime!.toISOString());
  assert.deepEqual(
    ended.subStates.map((s) => s.runSubState),
    ['Queued', 'Building', 'Customizing', 'Distributing'],
  );
  const times = [ended.startTime!, ...ended.subStates.map((s) => s.startTime), ended.endTime!].map(Date.parse);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'each sub-state begins after the one before, within the run',
  );

  await builder.virtualMachineImageTemplates.beginRunAndWait('images', 'history');
  const both = await runHistory();
  assert.equal(both.length, 2);
  assert.notEqual(both[0].runId, both[1].runId);
  assert.deepEqual(both[1], ended, 'the earlier run is kept as it ended');
  assert.ok(Date.parse(both[0].startTime!) >= Date.parse(ended.endTime!), 'newest first');
});
