// Builds across nodes: two `kiln serve` processes, each with its own data folder, on one PostgreSQL
// database and one config file with an Azure Blob region (Azurite). A template run is built by
// whichever node claims it; the other node serves its customization log while it runs (the live log
// is in the region store, not on the building node's disk). The building node is killed (-9) in the
// middle of a customizer: the other takes the run over once the lease expires, builds it again from
// the start and finishes it, and the log, read through the survivor, holds both attempts' lines, the
// second one saying where it ran and why.
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { workRoot } from '../../src/app/workers.ts';
import { removeRunWork } from '../../src/imaging/disk/run-space.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { killKiln, type KilnProcess } from '../support/kiln-process.ts';
import { jobEvents, startNodeCluster, waitFor } from '../support/node-cluster.ts';

const rg = 'nodes';
/** Long enough to kill the building node in the middle of it, short enough to sit through twice. */
const SLEEP_SECONDS = 12;

interface Claim {
  job: string;
  task: string;
  attempt: number;
  node: number;
}

/** The job claims each node printed so far. */
const claims = (nodes: KilnProcess[]): Claim[] =>
  nodes.flatMap((node, index) =>
    jobEvents(node)
      .filter((e) => e.event === 'claimed')
      .map(({ job, task, attempt }) => ({ job, task, attempt, node: index })),
  );

const count = (text: string, part: string) => text.split(part).length - 1;

it(
  'takes over a build whose node was killed, serving its log from any node throughout',
  { timeout: 240_000 },
  async () => {
    const cluster = await startNodeCluster({ name: 'build-nodes', nodes: 2, regions: ['westus'] });
    const { nodes, dataDirs } = cluster;
    try {
      const clients = await Promise.all(
        nodes.map(async (node) => {
          const client = await cluster.through(node);
          return {
            ...client,
            builder: new ImageBuilderClient(client.credential, client.subscriptionId, { endpoint: client.url }),
          };
        }),
      );
      const through = (node: KilnProcess) => clients[nodes.indexOf(node)];
      const imageId = await busyboxManagedImage(through(nodes[0]), rg);
      const template = await through(nodes[0]).builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(
        rg,
        'taken-over',
        {
          location: 'westus',
          identity: { type: 'None' },
          source: { type: 'ManagedImage', imageId },
          customize: [
            {
              type: 'Shell',
              name: 'slow',
              inline: [
                'echo "before the sleep: 1"',
                'echo "before the sleep: 2"',
                `sleep ${SLEEP_SECONDS}`,
                'echo "after the sleep"',
              ],
            },
          ],
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        },
      );
      await through(nodes[0]).builder.virtualMachineImageTemplates.beginRun(rg, 'taken-over');

      // Whichever node claimed the run builds it; the other reads its log while the script sleeps.
      const first = await waitFor('claim of the run', 60, async () =>
        claims(nodes).find((c) => c.task === 'imageTemplate.run'),
      );
      const building = nodes[first.node];
      const other = nodes[1 - first.node];
      const live = await waitFor('live log line through the other node', 60, async () => {
        const log = await readCustomizationLog(through(other), template.id!);
        return log.text.includes('[slow] before the sleep: 2') ? log : undefined;
      });
      assert.equal(live.complete, false, 'the run is still going');
      assert.match(live.text, new RegExp(`Attempt 1 on \\S+ \\(pid ${building.child.pid}\\)`));
      assert.doesNotMatch(live.text, /after the sleep/);
      assert.deepEqual(
        await readdir(workRoot(dataDirs[1 - first.node])).catch(() => []),
        [],
        'nothing of it on disk there',
      );

      await killKiln(building);
      const killedAt = Date.now();
      // What the dead node flushed stays readable through the survivor at once.
      const left = await readCustomizationLog(through(other), template.id!);
      assert.match(left.text, /\[slow\] before the sleep: 2/);
      assert.equal(left.complete, false);

      const takeover = await waitFor('takeover of the run', 60, async () =>
        claims([other]).find((c) => c.task === 'imageTemplate.run' && c.job === first.job),
      );
      assert.equal(takeover.attempt, 2);
      assert.ok(Date.now() - killedAt < 60_000, 'taken over within a minute');

      // The survivor builds the run again and finishes it.
      const status = await waitFor('end of the run', 120, async () => {
        const state = (await through(other).builder.virtualMachineImageTemplates.get(rg, 'taken-over')).lastRunStatus;
        return state?.runState === 'Running' ? undefined : state;
      });
      assert.equal(status.runState, 'Succeeded', status.message);

      const log = await readCustomizationLog(through(other), template.id!);
      assert.equal(log.complete, true);
      const text = log.text;
      console.log(text);
      assert.equal(count(text, '[slow] before the sleep: 2'), 2, 'both attempts ran the script, both are in the log');
      assert.equal(count(text, '[slow] after the sleep'), 1, 'only the second got past the sleep');
      const marker = new RegExp(
        `Attempt 2 on \\S+ \\(pid ${other.child.pid}\\): the previous attempt stopped before the run ended`,
      );
      assert.match(text, marker);
      const order = [
        text.indexOf('Attempt 1 on'),
        text.indexOf('[slow] before the sleep: 2'),
        text.search(marker),
        text.lastIndexOf('[slow] before the sleep: 2'),
        text.indexOf('[slow] after the sleep'),
        text.indexOf('Run Succeeded'),
      ];
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        `the log reads in order:\n${text}`,
      );
      // The sealed log continues the live one: a reader that followed it live reads on from its offset.
      const rest = await readCustomizationLog(through(other), template.id!, live.nextOffset);
      assert.equal(rest.text, Buffer.from(text).subarray(live.nextOffset).toString());
    } finally {
      // A killed node leaves its run's space mounted: unmounted before its folder goes.
      await cluster.close(async (dataDir) => {
        for (const run of await readdir(workRoot(dataDir)).catch(() => []))
          await removeRunWork(join(workRoot(dataDir), run));
      });
    }
  },
);
