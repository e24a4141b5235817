// The `kiln` command as scripts use it: `sp create` output, `serve` over plain HTTP and with the
// operator's own certificate, and help.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { ensureTls } from '../../src/app/tls.ts';
import { signJwt } from '../../src/core/jwt.ts';
import { openSigningKeyRing } from '../../src/domain/identity/signing-key-ring.ts';

const kiln = (...args: string[]) => spawnSync(process.execPath, ['bin/kiln.js', ...args], { encoding: 'utf8' });
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-cli-'));
  dirs.push(dir);
  return dir;
};

/** Runs `kiln serve` until the test stops it; resolves with its first output lines. */
async function serve(args: string[]) {
  const child = spawn(process.execPath, ['bin/kiln.js', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Kiln is serving at') && out.includes('\n', out.indexOf('Kiln is serving at')))
        setTimeout(() => resolve(out), 100);
    });
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => reject(new Error(`kiln serve exited ${code}: ${out}`)));
  });
  return { output, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

async function token(url: string, credentials: { tenant: string; appId: string; password: string }) {
  const response = await fetch(`${url}/${credentials.tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.appId,
      client_secret: credentials.password,
      scope: 'https://management.azure.com/.default',
    }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('kiln CLI', () => {
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('sp create prints appId, displayName, password, tenant and objectId as JSON, and the principal can get a token', async () => {
    const data = await tempDir();
    const created = kiln('sp', 'create', '--data', data, '--name', 'ci-pipeline');
    assert.equal(created.status, 0, created.stderr);
    const principal = JSON.parse(created.stdout);
    assert.deepEqual(Object.keys(principal).sort(), ['appId', 'displayName', 'objectId', 'password', 'tenant']);
    assert.equal(principal.displayName, 'ci-pipeline');

    const server = await serve(['--data', data, '--port', '0', '--http']);
    try {
      const url = /Kiln is serving at (http:\/\/\S+)/.exec(server.output)![1];
      const bearer = await token(url, principal);
      const subscriptions = await fetch(`${url}/subscriptions?api-version=2022-12-01`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      assert.equal(subscriptions.status, 200);
      const config = JSON.parse(await readFile(join(data, 'config.json'), 'utf8'));
      assert.deepEqual(
        ((await subscriptions.json()) as { value: Array<{ subscriptionId: string }> }).value.map(
          (s) => s.subscriptionId,
        ),
        [config.subscriptions[0].id],
      );
      // A principal existed before the first start, so no admin principal was made: the first principal is the administrator, Owner of the subscription.
      assert.doesNotMatch(server.output, /admin-credentials\.json/);
    } finally {
      await server.stop();
    }
  });

  it('serves HTTPS with the operator certificate given by --cert and --key', async () => {
    const data = await tempDir();
    const own = await ensureTls(await tempDir());
    const certFile = join(data, 'cert.pem');
    const keyFile = join(data, 'key.pem');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(certFile, own.cert);
    await writeFile(keyFile, own.key);
    const server = await serve(['--data', data, '--port', '0', '--cert', certFile, '--key', keyFile]);
    try {
      const url = /Kiln is serving at (https:\/\/\S+)/.exec(server.output)![1];
      assert.doesNotMatch(
        server.output,
        /CA certificate/,
        'no local CA is announced when the operator brings a certificate',
      );
      const { request } = await import('node:https');
      const peer = await new Promise<string>((resolve, reject) => {
        const req = request(
          `${url}/subscriptions`,
          { ca: own.cert.length ? [own.cert, ...[]] : undefined, rejectUnauthorized: false },
          (res) => {
            resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256);
            res.resume();
          },
        );
        req.on('error', reject);
        req.end();
      });
      const { X509Certificate } = await import('node:crypto');
      assert.equal(peer, new X509Certificate(own.cert).fingerprint256);
    } finally {
      await server.stop();
    }
  });

  it("keys rotate: a running server accepts the new key at once, without a restart, and the old key's tokens", async () => {
    const data = await tempDir();
    const server = await serve(['--data', data, '--port', '0', '--http']);
    const started = Date.now();
    try {
      const url = /Kiln is serving at (http:\/\/\S+)/.exec(server.output)![1];
      const admin = JSON.parse(await readFile(join(data, 'admin-credentials.json'), 'utf8'));
      const get = async (bearer: string) =>
        (await fetch(`${url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${bearer}` } }))
          .status;
      const before = await token(url, admin);
      const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;
      // A server reads the ring again for an unknown key at most every few seconds after its last read.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 6000 - Date.now())));
      const rotated = kiln('keys', 'rotate', '--data', data);
      assert.equal(rotated.status, 0, rotated.stderr);
      const { kid, retired, dropped } = JSON.parse(rotated.stdout);
      assert.deepEqual(retired, [kidOf(before)]);
      assert.deepEqual(dropped, []);
      assert.notEqual(kid, kidOf(before));
      assert.equal(await get(before), 200, 'a token of the replaced key stays valid');

      // What another node on the store signs once it has read the new ring: the new key.
      const store = await openSqliteMetadataStore(join(data, 'kiln.db'));
      const ring = await openSigningKeyRing({ store, clock: { now: () => new Date() }, seed: async () => undefined });
      try {
        assert.equal(ring.current().kid, kid);
        const claims = JSON.parse(Buffer.from(before.split('.')[1], 'base64url').toString());
        assert.equal(await get(signJwt(claims, ring.current().privateKey, kid)), 200);
      } finally {
        ring.close();
        await store.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('prints help with examples and refuses unknown commands', () => {
    const help = kiln('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /serve/);
    assert.match(help.stdout, /Example/);
    for (const command of ['serve', 'sp', 'keys']) {
      const sub = kiln(command, '--help');
      assert.equal(sub.status, 0);
      assert.match(sub.stdout, /Example/);
    }
    const unknown = kiln('frobnicate');
    assert.notEqual(unknown.status, 0);
  });
});
