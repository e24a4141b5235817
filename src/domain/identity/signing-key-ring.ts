/**
 * The keys Kiln signs access tokens with, kept in the metadata store so that every process on one
 * store (several `kiln serve` nodes on one PostgreSQL) signs and verifies with the same keys, with
 * no key files to copy between them.
 *
 * Invariants:
 *  - The ring is one record: the newest key first, the one every process signs with; older keys
 *    follow, retired (`retiredAt`) but still verifying the tokens signed before they were retired.
 *  - A key leaves the ring only once no token it signed can still be valid: its retirement, plus
 *    how long a process may go on signing with it before it reads the ring again, plus a token's
 *    lifetime and the clock skew verification allows. Rotating never invalidates a live token.
 *  - The first process on an empty store creates the ring (from `seed`: a key an older Kiln kept in
 *    its data folder, so tokens it issued stay valid); processes racing to do so agree on the winner's.
 *  - Each process reads the ring again every `refreshMs`, and at once (at most every few seconds)
 *    when a token names a key it does not know: a rotation elsewhere is honoured without restarts.
 *    A failed background read keeps the keys it has (the store may be down for a moment).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { ExpectationFailedError, type MetadataStore } from '../../ports/metadata-store.ts';
import { keyRecord, keyRecordKey, readOrCreateKey } from '../shared/kiln-keys.ts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface StoredKey {
  /** PKCS#8 PEM of an RSA private key. */
  pem: string;
  createdAt: string;
  retiredAt?: string;
}

interface RingData {
  keys: StoredKey[];
}

const RING = 'token-signing';
export const RING_REFRESH_MS = 60_000;
/** A token naming an unknown key reads the ring again at most this often: unknown kids cannot hammer the store. */
const MISS_REFRESH_MS = 5_000;

export interface SigningKeyRing {
  /** The key new tokens are signed with. */
  current(): SigningKey;
  /** Every key that verifies tokens, the current one first. */
  all(): readonly SigningKey[];
  /** The public keys by kid, for verification. */
  publicKeys(): ReadonlyMap<string, KeyObject>;
  /**
   * Reads the ring again now, for a token naming a key this process does not know (a rotation by
   * another process); at most every few seconds, so unknown kids cannot hammer the store. Whether it read.
   */
  reread(): Promise<boolean>;
  close(): void;
}

export interface KeyRingOptions {
  store: MetadataStore;
  clock: Clock;
  /** The first key of a new ring: an older Kiln's key file, or undefined for a new key. */
  seed: () => Promise<string | undefined>;
  refreshMs?: number;
}

export async function openSigningKeyRing(options: KeyRingOptions): Promise<SigningKeyRing> {
  const { store, clock } = options;
  const first = await readOrCreateKey<RingData>(store, RING, async () => {
    const seeded = await options.seed();
    return { keys: [seeded ? { pem: seeded, createdAt: clock.now().toISOString() } : newKey(clock.now())] };
  });
  let keys = toSigningKeys(first);
  let byKid = new Map(keys.map((key) => [key.kid, key.publicKey]));
  let lastRead = clock.now().getTime();
  const reread = async () => {
    lastRead = clock.now().getTime();
    const ring = await store.get<RingData>(keyRecordKey(RING));
    if (!ring) return;
    keys = toSigningKeys(ring.data);
    byKid = new Map(keys.map((key) => [key.kid, key.publicKey]));
  };
  const timer = setInterval(() => void reread().catch(() => {}), options.refreshMs ?? RING_REFRESH_MS);
  timer.unref();
  return {
    current: () => keys[0],
    all: () => keys,
    publicKeys: () => byKid,
    async reread() {
      if (clock.now().getTime() - lastRead < MISS_REFRESH_MS) return false;
      await reread();
      return true;
    },
    close: () => clearInterval(timer),
  };
}

/**
 * Makes a new key the one every process signs with (within `refreshMs`), keeps the replaced one for
 * verification, and drops keys no live token can name any more. `tokenLifetimeSeconds` bounds a token's life.
 */
export async function rotateSigningKey(
  store: MetadataStore,
  clock: Clock,
  tokenLifetimeSeconds: number,
  refreshMs = RING_REFRESH_MS,
): Promise<{ kid: string; retired: string[]; dropped: string[] }> {
  for (;;) {
    const ring = await store.get<RingData>(keyRecordKey(RING));
    if (!ring) throw new Error('There is no signing key ring yet: start Kiln once before rotating its key.');
    const now = clock.now();
    // Signed by a process that has not read the ring yet, plus the token's life, plus verification's skew.
    const keptMs = refreshMs + (tokenLifetimeSeconds + CLOCK_SKEW_SECONDS) * 1000;
    const fresh = newKey(now);
    const older = ring.data.keys.map((key) => (key.retiredAt ? key : { ...key, retiredAt: now.toISOString() }));
    const kept = older.filter((key) => now.getTime() - Date.parse(key.retiredAt!) < keptMs);
    try {
      await store.apply([
        { op: 'put', record: keyRecord(RING, { keys: [fresh, ...kept] }), expect: { etag: ring.etag } },
      ]);
    } catch (error) {
      if (error instanceof ExpectationFailedError) continue;
      throw error;
    }
    const kidOf = (key: StoredKey) => toSigningKey(key).kid;
    return {
      kid: kidOf(fresh),
      retired: ring.data.keys.filter((key) => !key.retiredAt).map(kidOf),
      dropped: older.filter((key) => !kept.includes(key)).map(kidOf),
    };
  }
}

/** Resource providers in Azure tolerate five minutes of clock difference with AAD (as the token authority does). */
export const CLOCK_SKEW_SECONDS = 300;

function newKey(now: Date): StoredKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), createdAt: now.toISOString() };
}

function toSigningKeys(ring: RingData): SigningKey[] {
  return ring.keys.map(toSigningKey);
}

function toSigningKey(key: StoredKey): SigningKey {
  const privateKey = createPrivateKey(key.pem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the signing key ring holds a key that is not RSA');
  const publicKey = createPublicKey(privateKey);
  return { kid: rsaThumbprint(publicKey), privateKey, publicKey };
}

/** RFC 7638: the kid is stable without being stored, and changes exactly when the key does. */
function rsaThumbprint(publicKey: KeyObject): string {
  const { e, n } = publicKey.export({ format: 'jwk' });
  // Required members only, in lexicographic order, no whitespace.
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
