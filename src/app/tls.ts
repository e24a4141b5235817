/**
 * Kiln's local certificate authority. HTTPS is the default because the Azure SDKs and the CLI
 * refuse to send bearer tokens over plain HTTP; users trust `tls/ca.pem` once (NODE_EXTRA_CA_CERTS,
 * REQUESTS_CA_BUNDLE, the OS store) and every server certificate Kiln issues itself is accepted.
 *
 * The CA is never regenerated once its certificate exists, since that would silently break the
 * trust users installed; the server certificate is cheap and is re-issued whenever it no longer fits.
 */
import { X509Certificate, createPrivateKey, generateKeyPair, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { writeFileAtomic } from './atomic-file.ts';
import { readIfPresent } from './read-if-present.ts';

export interface TlsMaterial {
  /** Path of the CA certificate clients must trust. */
  caPath: string;
  /** PEM server certificate. */
  cert: string;
  /** PEM server private key. */
  key: string;
}

interface Pair {
  cert: string;
  key: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
// Below Apple's 825-day ceiling for TLS server certificates, which also binds private roots.
const SERVER_LIFETIME_DAYS = 730;
const RENEW_BEFORE_DAYS = 30;
// Tolerates clients whose clock is a little behind ours right after issuance.
const BACKDATE_MS = 60 * 60 * 1000;

const generateRsaKeyPair = promisify(generateKeyPair);

export async function ensureTls(dataDir: string, options: { hostnames?: string[] } = {}): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = {
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
  };
  const names = serverNames(options.hostnames ?? []);

  const ca = (await loadCa(paths.caCert, paths.caKey)) ?? (await createCa(paths.caCert, paths.caKey));
  const existing = await loadServer(paths.serverCert, paths.serverKey);
  const server =
    existing !== undefined && serverCertFits(existing, ca, names)
      ? existing
      : await issueServerCert(ca, names, paths.serverCert, paths.serverKey);
  return { caPath: paths.caCert, cert: server.cert, key: server.key };
}

function serverNames(extra: string[]): string[] {
  const all = ['localhost', '127.0.0.1', '::1', hostname(), ...extra];
  return [...new Set(all.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))];
}

/** The CA, or undefined when its certificate was never written; a broken CA is an error, not a reason to replace it. */
async function loadCa(certPath: string, keyPath: string): Promise<Pair | undefined> {
  const cert = await readIfPresent(certPath);
  if (cert === undefined) return undefined;
  const key = await readIfPresent(keyPath);
  if (key === undefined) throw new Error(`${certPath} exists but its private key ${keyPath} is missing`);
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw new Error(`${certPath} does not match the private key in ${keyPath}`);
  }
  return { cert, key };
}

async function loadServer(certPath: string, keyPath: string): Promise<Pair | undefined> {
  const cert = await readIfPresent(certPath);
  const key = await readIfPresent(keyPath);
  return cert === undefined || key === undefined ? undefined : { cert, key };
}

function serverCertFits(server: Pair, ca: Pair, names: string[]): boolean {
  const cert = new X509Certificate(server.cert);
  const caCert = new X509Certificate(ca.cert);
  // A crash between writing the server key and its certificate leaves a mismatched pair.
  if (!cert.checkPrivateKey(createPrivateKey(server.key))) return false;
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return false;
  return names.every((name) => (isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined);
}

async function newKeyPair(): Promise<{
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
}> {
  // node:crypto generates natively and off the event loop; forge's pure-JS generation takes seconds.
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

/** A positive, 128-bit random serial as RFC 5280 asks for. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

async function createCa(certPath: string, keyPath: string): Promise<Pair> {
  const keys = await newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, CA_LIFETIME_DAYS);
  const subject = [
    { name: 'commonName', value: `Kiln Local CA (${hostname()})` },
    { name: 'organizationName', value: 'Kiln' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pair = { cert: forge.pki.certificateToPem(cert), key: keys.pem };
  // Key first: a crash in between leaves no certificate, so the next start simply begins again.
  // The certificate alone is readable by all: clients are handed copies of it (see data-folder.ts).
  await writeFileAtomic(keyPath, pair.key, 0o600);
  await writeFileAtomic(certPath, pair.cert, 0o644);
  return pair;
}

async function issueServerCert(ca: Pair, names: string[], certPath: string, keyPath: string): Promise<Pair> {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = await newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, SERVER_LIFETIME_DAYS);
  cert.setSubject([{ name: 'commonName', value: names[0] }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const pair = { cert: forge.pki.certificateToPem(cert), key: keys.pem };
  await writeFileAtomic(keyPath, pair.key, 0o600);
  await writeFileAtomic(certPath, pair.cert, 0o600);
  return pair;
}
