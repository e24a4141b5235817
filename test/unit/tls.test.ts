import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { ensureTls } from '../../src/app/tls.ts';

describe('ensureTls', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-tls-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a CA and a server certificate for the local names', async () => {
    const tls = await ensureTls(dir, { hostnames: ['kiln.example.test'] });
    assert.equal(tls.caPath, join(dir, 'tls', 'ca.pem'));
    const ca = new X509Certificate(await readFile(tls.caPath));
    const server = new X509Certificate(tls.cert);

    assert.ok(ca.ca);
    assert.ok(ca.verify(ca.publicKey));
    assert.ok(Date.parse(ca.validTo) - Date.now() > 9 * 365 * 86_400_000);
    assert.ok(!server.ca);
    assert.ok(server.checkIssued(ca));
    assert.ok(server.verify(ca.publicKey));
    assert.ok(server.checkPrivateKey(createPrivateKey(tls.key)));
    for (const name of ['localhost', hostname().toLowerCase(), 'kiln.example.test'])
      assert.ok(server.checkHost(name), name);
    for (const ip of ['127.0.0.1', '::1']) assert.ok(server.checkIP(ip), ip);
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);

    for (const file of ['ca-key.pem', 'server-key.pem']) {
      assert.equal((await stat(join(dir, 'tls', file))).mode & 0o777, 0o600, file);
    }
  });

  it('reuses the files on later calls', async () => {
    const first = await ensureTls(dir, { hostnames: ['kiln.example.test'] });
    const second = await ensureTls(dir);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
  });

  it('re-issues the server certificate from the same CA when a name is missing', async () => {
    const caBefore = await readFile(join(dir, 'tls', 'ca.pem'), 'utf8');
    const before = await ensureTls(dir);
    const after = await ensureTls(dir, { hostnames: ['10.9.8.7'] });
    assert.notEqual(after.cert, before.cert);
    assert.equal(await readFile(join(dir, 'tls', 'ca.pem'), 'utf8'), caBefore);
    const server = new X509Certificate(after.cert);
    assert.ok(server.checkIP('10.9.8.7'));
    assert.ok(server.checkIssued(new X509Certificate(caBefore)));
  });

  it('re-issues a server certificate that expires within 30 days', async () => {
    const tlsDir = join(dir, 'tls');
    const caCert = forge.pki.certificateFromPem(await readFile(join(tlsDir, 'ca.pem'), 'utf8'));
    const caKey = forge.pki.privateKeyFromPem(await readFile(join(tlsDir, 'ca-key.pem'), 'utf8'));
    const serverKey = forge.pki.privateKeyFromPem(await readFile(join(tlsDir, 'server-key.pem'), 'utf8'));
    const current = forge.pki.certificateFromPem(await readFile(join(tlsDir, 'server.pem'), 'utf8'));
    const expiring = forge.pki.createCertificate();
    expiring.publicKey = forge.pki.setRsaPublicKey(serverKey.n, serverKey.e);
    expiring.serialNumber = '01';
    expiring.validity.notBefore = new Date(Date.now() - 86_400_000);
    expiring.validity.notAfter = new Date(Date.now() + 10 * 86_400_000);
    expiring.setSubject(current.subject.attributes);
    expiring.setIssuer(caCert.subject.attributes);
    expiring.setExtensions(current.extensions);
    expiring.sign(caKey, forge.md.sha256.create());
    const expiringPem = forge.pki.certificateToPem(expiring);
    await writeFile(join(tlsDir, 'server.pem'), expiringPem);

    const renewed = new X509Certificate((await ensureTls(dir)).cert);
    assert.notEqual(renewed.toString(), new X509Certificate(expiringPem).toString());
    assert.ok(Date.parse(renewed.validTo) - Date.now() > 700 * 86_400_000);
  });

  it('refuses a CA certificate whose key is gone rather than replacing the trusted CA', async () => {
    const other = await mkdtemp(join(tmpdir(), 'kiln-tls-'));
    try {
      await ensureTls(other);
      await rm(join(other, 'tls', 'ca-key.pem'));
      await assert.rejects(ensureTls(other), /private key/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('re-issues a server certificate that does not match its key', async () => {
    const before = await ensureTls(dir);
    await writeFile(join(dir, 'tls', 'server-key.pem'), (await ensureTls(join(dir, 'elsewhere'))).key);
    const after = await ensureTls(dir);
    assert.notEqual(after.cert, before.cert);
  });

  it('serves HTTPS that a client trusting only the CA accepts', async () => {
    const tls = await ensureTls(dir);
    const ca = await readFile(tls.caPath);
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // The certificate is checked against servername when given, else against the IP connected to.
      for (const servername of [undefined, 'localhost']) {
        const body = await new Promise<string>((resolve, reject) => {
          get({ host: '127.0.0.1', servername, port, path: '/', ca }, (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
        assert.equal(body, 'ok');
      }
      await assert.rejects(
        new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject)),
        /self-signed|unable to verify|issuer/i,
      );
    } finally {
      server.close();
    }
  });
});
