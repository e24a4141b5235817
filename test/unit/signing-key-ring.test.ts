/**
 * The token signing keys in the metadata store: one ring for every process on a store, seeded once
 * from an older Kiln's key file, and rotated without invalidating a live token anywhere.
 * Two handles on one SQLite file stand for two processes; time is a fake clock.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { createTokenAuthority, DEFAULT_LIFETIME_SECONDS } from '../../src/domain/identity/local-token-authority.ts';
import { createServicePrincipal } from '../../src/domain/identity/service-principals.ts';
import {
  openSigningKeyRing,
  rotateSigningKey,
  RING_REFRESH_MS,
  type SigningKeyRing,
} from '../../src/domain/identity/signing-key-ring.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';

const dirs: string[] = [];
const closers: Array<() => unknown> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

let time = Date.parse('2030-01-01T00:00:00Z');
const clock = { now: () => new Date(time) };

/** Two handles on one new database, as two processes sharing it. */
async function twoProcesses(): Promise<[MetadataStore, MetadataStore]> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-key-ring-'));
  dirs.push(dir);
  const [a, b] = await Promise.all([1, 2].map(() => openSqliteMetadataStore(join(dir, 'kiln.db'))));
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  return [a, b];
}

async function ring(store: MetadataStore, seed?: string): Promise<SigningKeyRing> {
  const opened = await openSigningKeyRing({ store, clock, seed: async () => seed, refreshMs: 3_600_000 });
  closers.push(() => opened.close());
  return opened;
}

it('makes one ring per store, the same for every process, from the older key file when there is one', async () => {
  const [a, b] = await twoProcesses();
  const legacy = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  });
  const [first, second] = await Promise.all([ring(a, String(legacy)), ring(b, String(legacy))]);
  assert.equal(first.current().kid, second.current().kid);
  assert.ok(first.current().privateKey.equals(second.current().privateKey), "the older file's key seeds the ring");
  assert.equal(first.current().privateKey.export({ format: 'pem', type: 'pkcs8' }), legacy);
  const later = await ring(a, undefined);
  assert.equal(later.current().kid, first.current().kid, 'a ring that exists is not replaced');

  const [c, d] = await twoProcesses();
  const [third, fourth] = await Promise.all([ring(c), ring(d)]);
  assert.equal(third.current().kid, fourth.current().kid, 'racing processes agree on one new key');
  assert.notEqual(third.current().kid, first.current().kid);
});

it('rotates: every process signs with the new key, tokens of the old one stay valid until none can be live', async () => {
  const [a, b] = await twoProcesses();
  const [ringA, ringB] = [await ring(a), await ring(b)];
  const authority = (store: MetadataStore, keys: SigningKeyRing) =>
    createTokenAuthority({ store, keys, tenantId: 't', issuerUrl: 'https://kiln.test', clock });
  const [nodeA, nodeB] = [authority(a, ringA), authority(b, ringB)];
  const principal = await createServicePrincipal(a, { displayName: 'client' });
  const token = async (node: typeof nodeA) => {
    const issued = await node.issueClientCredentialsToken({
      clientId: principal.appId,
      clientSecret: principal.password,
      scope: 'https://management.azure.com/.default',
    });
    assert.ok(issued.ok);
    return issued.accessToken;
  };
  const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid as string;
  const oldKid = ringA.current().kid;
  const before = await token(nodeA);

  time += 10_000;
  const rotated = await rotateSigningKey(a, clock, DEFAULT_LIFETIME_SECONDS);
  assert.deepEqual(rotated.retired, [oldKid]);
  assert.deepEqual(rotated.dropped, []);
  // Until it reads the ring again a process goes on signing with the old key, which every process accepts.
  const stale = await token(nodeB);
  assert.equal(kidOf(stale), oldKid);
  assert.equal(await ringA.reread(), true);
  const fresh = await token(nodeA);
  assert.equal(kidOf(fresh), rotated.kid);
  // B has not read the ring since the rotation: the unknown kid makes it read it, then accept.
  for (const jwt of [before, stale, fresh]) assert.equal((await nodeB.verify(jwt)).ok, true);
  assert.deepEqual(
    nodeB.jwks().keys.map((key) => key.kid),
    [rotated.kid, oldKid],
  );

  // A forged kid makes a process read the ring at most every few seconds, not on every request.
  const forged = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'nobody' })).toString('base64url')}.${fresh.split('.')[1]}.AAAA`;
  assert.equal((await nodeB.verify(forged)).ok, false);
  assert.equal(await ringB.reread(), false, 'read again just now');

  // Once the old key's last token has expired, the next rotation drops it.
  time += RING_REFRESH_MS + (DEFAULT_LIFETIME_SECONDS + 300) * 1000;
  const again = await rotateSigningKey(a, clock, DEFAULT_LIFETIME_SECONDS);
  assert.deepEqual(again.dropped, [oldKid]);
  assert.equal(await ringB.reread(), true);
  assert.deepEqual(
    ringB.all().map((key) => key.kid),
    [again.kid, rotated.kid],
  );
  assert.equal((await nodeB.verify(before)).ok, false);
});
