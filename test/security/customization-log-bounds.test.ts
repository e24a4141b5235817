/**
 * Issue 10, point 10: a script that prints without end cannot fill the host's disk through its run's
 * customization.log (capped by `build.logMaxMiB`, the cut said in the log, the run's end still there),
 * and reading a huge log through `GET …/customizationLog` streams it: concurrent reads of a 200 MiB
 * log answer it exactly while the server's memory stays far below the log's size.
 */
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { defaultConfig, logMaxBytes } from '../../src/app/config.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { peakRssBytes, resetPeakRss } from '../support/peak-rss.ts';

const MiB = 1024 * 1024;
const rg = 'logs';

/**
 * A full garbage collection. Freed buffers are returned only when the collector runs, which it may
 * put off for a while; collecting as the reads go makes the peak show what is held, not what is late.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
describe('customization log bounds', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let templateId: string;

  before(async () => {
    kiln = await startTestServer({ config: { build: { logMaxMiB: 1 } } });
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const imageId = await busyboxManagedImage(kiln, rg);
    templateId = (
      await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'flood', {
        location: 'westus',
        identity: { type: 'None' },
        source: { type: 'ManagedImage', imageId },
        customize: [
          // 16 MiB of output against a cap of 1 MiB, then a line that must still be seen.
          {
            type: 'Shell',
            name: 'flood',
            inline: [
              "yes 'a line of output that a script prints again and again' | head -c 16777216",
              'echo',
              'echo LAST-LINE-OF-FLOOD',
            ],
          },
          { type: 'Shell', name: 'after', inline: ['echo after-the-cut'] },
        ],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      })
    ).id!;
  });
  after(() => kiln?.stop());

  it("caps the log at build.logMaxMiB, says so, and keeps the run's end", async () => {
    await builder.virtualMachineImageTemplates.run(rg, 'flood');
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'flood')).lastRunStatus!;
    assert.equal(status.runState, 'Succeeded', status.message);
    const { text, complete } = await readCustomizationLog(kiln, templateId);
    assert.equal(complete, true);
    const size = Buffer.byteLength(text);
    assert.ok(
      size > 1 * MiB - 64 * 1024 && size < 1 * MiB + 64 * 1024,
      `the log is ${size} bytes, about the 1 MiB cap`,
    );
    assert.match(text, /customization\.log reached its cap of 1 MiB \(build\.logMaxMiB in config\.json\)/);
    assert.match(
      text,
      /\[flood\] … \d+ lines \(\d+ bytes\) of output left out by build\.logMaxMiB; the last 20 of them:/,
    );
    // What the flood printed last, the next step's output, and Kiln's own closing lines.
    assert.match(text, /\[flood\] LAST-LINE-OF-FLOOD\n/);
    assert.match(text, /==> flood: succeeded/);
    assert.match(text, /\[after\] after-the-cut\n/);
    assert.match(text, /Run Succeeded\n$/);
  });

  it('streams a 200 MiB log to concurrent readers, exactly, without holding it in memory', async () => {
    // The log blob the run above sealed, replaced by a huge one, as a log of an older Kiln (no cap) could be.
    const store = kiln.server.kiln.domain.regions.get('westus')!;
    const [log] = (await store.list('imagetemplates/')).filter((blob) => blob.key.endsWith('/customization.log'));
    const size = 200 * MiB;
    const line = Buffer.from(`${`${new Date(0).toISOString()} [flood] `.padEnd(1023, 'x')}\n`);
    const chunk = Buffer.concat(new Array(MiB / line.length).fill(line));
    const whole = createHash('sha256');
    const tail = createHash('sha256');
    const offset = 150 * MiB + 7;
    await store.put(
      log.key,
      Readable.from(
        (function* () {
          for (let at = 0; at < size; at += MiB) {
            whole.update(chunk);
            tail.update(at + MiB <= offset ? Buffer.alloc(0) : chunk.subarray(Math.max(0, offset - at)));
            yield chunk;
          }
        })(),
      ),
      { overwrite: true },
    );
    const expected = { whole: whole.digest('hex'), tail: tail.digest('hex') };

    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const read = async (from: number) => {
      const response = await fetch(`${kiln.url}${templateId}/customizationLog?api-version=2025-10-01&offset=${from}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const part of response.body!) {
        hash.update(part);
        if (Math.floor((bytes + part.byteLength) / (16 * MiB)) > Math.floor(bytes / (16 * MiB))) collectGarbage();
        bytes += part.byteLength;
      }
      return {
        bytes,
        sha256: hash.digest('hex'),
        nextOffset: Number(response.headers.get('x-ms-kiln-next-offset')),
        complete: response.headers.get('x-ms-kiln-log-complete'),
      };
    };

    collectGarbage();
    await resetPeakRss();
    const before = await peakRssBytes();
    const answers = await Promise.all([read(0), read(0), read(0), read(offset)]);
    const growth = (await peakRssBytes()) - before;

    for (const answer of answers.slice(0, 3))
      assert.deepEqual(answer, { bytes: size, sha256: expected.whole, nextOffset: size, complete: 'true' });
    assert.deepEqual(answers[3], { bytes: size - offset, sha256: expected.tail, nextOffset: size, complete: 'true' });
    assert.ok(
      growth < size / 4,
      `reading 3.75 times a ${size / MiB} MiB log grew the server's peak memory by ${Math.round(growth / MiB)} MiB`,
    );
  });

  it('refuses a bad build.logMaxMiB at start, naming it', () => {
    for (const logMaxMiB of [0, -1, '64'] as unknown as number[]) {
      assert.throws(
        () => logMaxBytes({ ...defaultConfig(), build: { logMaxMiB } }),
        /config\.json: build\.logMaxMiB must be a positive number of MiB/,
      );
    }
  });

  it('answers a bad offset with 400 naming it', async () => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(`${kiln.url}${templateId}/customizationLog?api-version=2025-10-01&offset=-5`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'InvalidParameter');
    assert.match(body.error.message, /'offset'/);
  });
});
