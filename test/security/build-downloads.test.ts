/**
 * Issue 10, point 8: a template's downloads (`sourceUri`, `scriptUri`) run on the host, outside the
 * customizer sandbox. A loopback-only service holding a secret must stay out of reach however its
 * address is spelled (127.0.0.1, localhost, decimal, hex, IPv4-mapped IPv6) and through a redirect
 * from a host the operator allowed; each refusal names the setting that would allow it, and the
 * operator's allowance works.
 */
import { ImageBuilderClient, type ImageTemplateCustomizerUnion } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CustomizerDeps } from '../../src/imaging/customizers/customizer-deps.ts';
import { fileStep } from '../../src/imaging/customizers/file.ts';
import { shellStep } from '../../src/imaging/customizers/shell.ts';
import { downloadPolicy } from '../../src/imaging/download-policy.ts';
import { policyFetch } from '../../src/imaging/policy-fetch.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { freshStepFixture } from '../support/rootfs.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'loopback-only-secret-4f1c9a';
const rg = 'downloads';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('build downloads and the download policy', () => {
  let scratch: string;
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let imageId: string;
  /** The loopback-only service: every request it answered. */
  const secretHits: string[] = [];
  let secret: Server;
  let secretPort: number;
  /** A host the operator allowed (one loopback port), which also redirects to the secret service. */
  let allowed: Server;
  let allowedPort: number;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kiln-security-downloads-'));
    secret = createServer((request, response) => {
      secretHits.push(request.url!);
      response.end(`echo ${SECRET}\n`);
    });
    secretPort = await listen(secret);
    allowed = createServer((request, response) => {
      if (request.url === '/to-secret')
        return void response.writeHead(302, { location: `http://127.0.0.1:${secretPort}/secret` }).end();
      response.end('echo allowed-content-ok\n');
    });
    allowedPort = await listen(allowed);

    kiln = await startTestServer({ config: { build: { downloads: { allowHosts: [`127.0.0.1:${allowedPort}`] } } } });
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    imageId = await busyboxManagedImage(kiln, rg);
  });
  after(async () => {
    secret.close();
    allowed.close();
    await kiln?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs a template with `customize` (then a step printing what the File customizer brought in); its end and its whole log. */
  async function build(name: string, customize: ImageTemplateCustomizerUnion[]) {
    const template = await builder.virtualMachineImageTemplates.createOrUpdate(rg, name, {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [...customize, { type: 'Shell', name: 'show', inline: ['cat /tmp/fetched 2>/dev/null || true'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    await builder.virtualMachineImageTemplates.run(rg, name).catch(() => undefined);
    const status = (await builder.virtualMachineImageTemplates.get(rg, name)).lastRunStatus!;
    const outputs = [];
    for await (const output of builder.virtualMachineImageTemplates.listRunOutputs(rg, name)) outputs.push(output);
    return { status, outputs, log: (await readCustomizationLog(kiln, template.id!)).text };
  }

  const file = (sourceUri: string): ImageTemplateCustomizerUnion => ({
    type: 'File',
    name: 'fetch',
    sourceUri,
    destination: '/tmp/fetched',
  });
  const script = (scriptUri: string): ImageTemplateCustomizerUnion => ({ type: 'Shell', name: 'fetch', scriptUri });

  const refusals: Array<[string, () => ImageTemplateCustomizerUnion, RegExp]> = [
    ['a File customizer by 127.0.0.1', () => file(`http://127.0.0.1:${secretPort}/secret`), /is a loopback address/],
    [
      'a Shell scriptUri by localhost',
      () => script(`http://localhost:${secretPort}/secret.sh`),
      /resolves to .*\(loopback\)/,
    ],
    [
      'a redirect from an allowed host to a loopback port that is not',
      () => file(`http://127.0.0.1:${allowedPort}/to-secret`),
      /redirect 1 went to http:\/\/127\.0\.0\.1:\d+\/secret: .*is a loopback address/,
    ],
  ];
  for (const [what, customizer, reason] of refusals) {
    it(`refuses ${what}: nothing reaches the service, its secret is in no image and no log, the log names the setting`, async () => {
      const before = secretHits.length;
      const { status, outputs, log } = await build(`refused-${refusals.findIndex(([w]) => w === what)}`, [
        customizer(),
      ]);
      assert.equal(status.runState, 'Failed', status.message);
      assert.match(status.message!, reason);
      assert.deepEqual(secretHits.slice(before), [], 'the loopback service was not asked');
      assert.deepEqual(
        outputs.filter((output) => output.provisioningState === 'Succeeded'),
        [],
        'no image was made',
      );
      assert.ok(!log.includes(SECRET), 'the secret is not in the log');
      assert.match(log, reason);
      assert.match(
        log,
        /add "[^"]+" to build\.downloads\.allowHosts, or "loopback" to build\.downloads\.allowAddresses, in config\.json/,
      );
    });
  }

  it('downloads from a host the operator allowed, into the image', async () => {
    const { status, log } = await build('allowed', [file(`http://127.0.0.1:${allowedPort}/file`)]);
    assert.equal(status.runState, 'Succeeded', status.message);
    assert.match(log, /\[show\] echo allowed-content-ok/);
  });

  // Every spelling of the address, through the customizers and the fetch a run gets (a template run
  // per spelling would cost seconds each for the same code path).
  describe('every spelling of a loopback address, on the customizers directly', () => {
    const spellings = [
      '127.0.0.1',
      'localhost',
      '2130706433',
      '0x7f.1',
      '0177.0.0.1',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '127.1',
    ];
    let downloads: CustomizerDeps;
    let step: ReturnType<typeof freshStepFixture>;
    let runs = 0;
    before(() => {
      downloads = { fetch: policyFetch(downloadPolicy({ allowHosts: [`127.0.0.1:${allowedPort}`] })) };
    });
    beforeEach(() => {
      step = freshStepFixture(scratch, ++runs);
    });

    for (const host of spellings) {
      it(`refuses http://${host}:port/ for File and Shell scriptUri`, async () => {
        const before = secretHits.length;
        for (const customizer of [
          fileStep(
            {
              type: 'File',
              name: 'fetch',
              sourceUri: `http://${host}:${secretPort}/secret`,
              destination: '/tmp/fetched',
            },
            downloads,
          ),
          shellStep({ type: 'Shell', name: 'fetch', scriptUri: `http://${host}:${secretPort}/secret.sh` }, downloads),
        ]) {
          await assert.rejects(customizer.run(step.state, step.ctx), /loopback.*build\.downloads\.allowHosts/);
        }
        assert.deepEqual(secretHits.slice(before), [], 'the loopback service was not asked');
        assert.ok(!existsSync(join(step.state.rootfs, 'tmp/fetched')), 'nothing was written into the image');
        assert.ok(!readFileSync(step.log.path, 'utf8').includes(SECRET), 'the secret is not in the log');
      });
    }

    it("connects to the allowed address but checks TLS against the URL's host name", async () => {
      // Kiln's own server, by the name its certificate holds: the connection goes to the address
      // `localhost` resolved to, and the certificate is checked for `localhost`.
      const { port } = new URL(kiln.url);
      const fetch = policyFetch(downloadPolicy({ allowHosts: [`localhost:${port}`] }));
      const response = await fetch(`https://localhost:${port}/adfs/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    });

    it('refuses a bad build.downloads, naming the field', () => {
      assert.throws(
        () => downloadPolicy({ allowAddresses: ['everything'] }),
        /build\.downloads\.allowAddresses has 'everything'; the address classes are public, private, loopback, linkLocal/,
      );
      assert.throws(
        () => downloadPolicy({ allowHosts: ['http://files.lan/'] }),
        /build\.downloads\.allowHosts has 'http:\/\/files\.lan\/'/,
      );
      assert.throws(() => downloadPolicy({ maxMiB: -1 }), /build\.downloads\.maxMiB must be a positive number/);
    });

    it('caps redirects', async () => {
      const loop = createServer((request, response) => response.writeHead(302, { location: request.url }).end());
      const port = await listen(loop);
      try {
        const fetch = policyFetch(downloadPolicy({ allowHosts: [`127.0.0.1:${port}`] }));
        await assert.rejects(
          fetch(`http://127.0.0.1:${port}/again`, { signal: AbortSignal.timeout(10_000) }),
          /redirected more than 5 times/,
        );
      } finally {
        loop.close();
      }
    });

    it('stops a download past build.downloads.maxMiB or timeoutSeconds, naming the setting', async () => {
      const endless = createServer((_, response) => {
        const more = (): unknown =>
          !response.destroyed && response.write(Buffer.alloc(64 * 1024), () => setTimeout(more, 1));
        more();
      });
      const port = await listen(endless);
      try {
        const small = policyFetch(downloadPolicy({ allowHosts: [`127.0.0.1:${port}`], maxMiB: 1 }));
        const tooBig = await small(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
        await assert.rejects(tooBig.arrayBuffer(), /more than the 1 MiB downloads may be \(build\.downloads\.maxMiB\)/);
        const quick = policyFetch(
          downloadPolicy({ allowHosts: [`127.0.0.1:${port}`], timeoutSeconds: 0.5, maxMiB: 1e6 }),
        );
        const slow = await quick(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
        await assert.rejects(slow.arrayBuffer(), /took longer than 0\.5 s \(build\.downloads\.timeoutSeconds\)/);
      } finally {
        endless.closeAllConnections();
        endless.close();
      }
    });
  });
});
