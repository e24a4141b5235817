/**
 * Service principals: the identities clients authenticate as with a client id and secret.
 * The secret is shown once at creation and kept only as a salted scrypt hash.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isGuid } from '../../core/ids.ts';
import { ExpectationFailedError, type MetadataStore } from '../../ports/metadata-store.ts';

export const SERVICE_PRINCIPAL_KIND = 'kiln/serviceprincipals';

export interface ServicePrincipal {
  appId: string;
  objectId: string;
  displayName: string;
}

interface SecretHash {
  algorithm: 'scrypt';
  /** Cost parameters are stored so they can be raised later without breaking old secrets. */
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

interface ServicePrincipalData extends ServicePrincipal {
  /** Absent for Kiln's own image builder: nobody can get a token as it. */
  secret?: SecretHash;
}

export type SecretCheck =
  { ok: true; principal: ServicePrincipal } | { ok: false; reason: 'unknown-client' | 'invalid-secret' };

const SCRYPT_COST = { N: 16384, r: 8, p: 1 };
const HASH_BYTES = 32;

const principalKey = (appId: string) => `/serviceprincipals/${appId.toLowerCase()}`;

const principalRecord = (data: ServicePrincipalData) => ({
  key: principalKey(data.appId),
  kind: SERVICE_PRINCIPAL_KIND,
  subscription: '',
  resourceGroup: null,
  parent: null,
  data,
});

function scryptHash(secret: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, HASH_BYTES, cost, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const publicView = ({ appId, objectId, displayName }: ServicePrincipal): ServicePrincipal => ({
  appId,
  objectId,
  displayName,
});

/**
 * A fresh client secret: 240 random bits, URL-safe so it survives shells, env files and form
 * encoding unquoted. It never begins with '-': `kiln login -p SECRET` and `az login -p SECRET` would
 * take such a secret for a flag and stop with a usage error (one secret in 64 did). Drawing again
 * keeps the first character uniform over the other 63 and costs under 0.03 bits.
 */
export function newClientSecret(): string {
  for (;;) {
    const secret = randomBytes(30).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

/** Creates a principal with a fresh secret; the returned password cannot be recovered later. */
export async function createServicePrincipal(
  store: MetadataStore,
  input: { displayName: string },
): Promise<ServicePrincipal & { password: string }> {
  const displayName = input.displayName.trim();
  if (displayName === '') throw new Error('a service principal needs a display name');
  const password = newClientSecret();
  const salt = randomBytes(16);
  const hash = await scryptHash(password, salt, SCRYPT_COST);
  const principal: ServicePrincipal = { appId: randomUUID(), objectId: randomUUID(), displayName };
  const data: ServicePrincipalData = {
    ...principal,
    secret: { algorithm: 'scrypt', ...SCRYPT_COST, salt: salt.toString('base64'), hash: hash.toString('base64') },
  };
  await store.apply([{ op: 'put', record: principalRecord(data), expect: { absent: true } }]);
  return { ...principal, password };
}

async function load(store: MetadataStore, appId: string): Promise<ServicePrincipalData | undefined> {
  // Client ids arrive straight from token requests; anything but a GUID cannot name a principal.
  if (!isGuid(appId)) return undefined;
  return (await store.get<ServicePrincipalData>(principalKey(appId)))?.data;
}

export async function findServicePrincipal(store: MetadataStore, appId: string): Promise<ServicePrincipal | undefined> {
  const data = await load(store, appId);
  return data && publicView(data);
}

export async function verifyClientSecret(store: MetadataStore, appId: string, secret: string): Promise<SecretCheck> {
  const data = await load(store, appId);
  if (!data) return { ok: false, reason: 'unknown-client' };
  if (!data.secret) return { ok: false, reason: 'invalid-secret' };
  const { N, r, p, salt, hash } = data.secret;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptHash(secret, Buffer.from(salt, 'base64'), { N, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected)
    ? { ok: true, principal: publicView(data) }
    : { ok: false, reason: 'invalid-secret' };
}

/** The install's first principal: the administrator `kiln serve` makes on first start (or the first `kiln sp create`). */
export async function firstServicePrincipal(store: MetadataStore): Promise<ServicePrincipal | undefined> {
  // The image builder may have been made first (by `kiln build`); it is never the administrator.
  const first = (await store.list<ServicePrincipalData>({ kind: SERVICE_PRINCIPAL_KIND, limit: 2 })).find(
    (r) => r.data.appId !== IMAGE_BUILDER_APP_ID,
  );
  return first && publicView(first.data);
}

/**
 * Builds act as Kiln's image builder, not as their caller, as Azure's builds run as its first-party app
 * "Azure Virtual Machine Image Builder". Kiln's has that app's appId, so Azure's instructions
 * (`--assignee cf32a0cc-...`) work as written, and an objectId of its own per install. It has no
 * secret: it acts only inside Kiln's jobs.
 */
export const IMAGE_BUILDER_APP_ID = 'cf32a0cc-373c-47c9-9156-0db11f6a6dfc';

export const findImageBuilder = (store: MetadataStore) => findServicePrincipal(store, IMAGE_BUILDER_APP_ID);

/** The image builder principal, created on first use; servers starting together agree on the first one written. */
export async function ensureImageBuilder(store: MetadataStore): Promise<ServicePrincipal> {
  const existing = await findImageBuilder(store);
  if (existing) return existing;
  const principal: ServicePrincipal = {
    appId: IMAGE_BUILDER_APP_ID,
    objectId: randomUUID(),
    displayName: 'Kiln Image Builder',
  };
  try {
    await store.apply([{ op: 'put', record: principalRecord(principal), expect: { absent: true } }]);
    return principal;
  } catch (error) {
    if (!(error instanceof ExpectationFailedError)) throw error;
    return (await findImageBuilder(store))!;
  }
}

/**
 * The principal of a user-assigned managed identity, written in the identity's own batch: no secret
 * (Kiln mints its tokens in-process, as Azure's instance metadata service does), and placed in the
 * identity's resource group, so deleting the group deletes it and its tokens stop verifying.
 */
export function identityPrincipalRecord(
  principal: ServicePrincipal,
  placement: { subscription: string; resourceGroup: string },
) {
  return {
    ...principalRecord(publicView(principal)),
    subscription: placement.subscription.toLowerCase(),
    resourceGroup: placement.resourceGroup.toLowerCase(),
  };
}

export const servicePrincipalKey = principalKey;

/**
 * The principal a role assignment names, by its object id. Principals are few (people and
 * pipelines, not requests), and this runs when access is granted, never per call.
 */
export async function findServicePrincipalByObjectId(
  store: MetadataStore,
  objectId: string,
): Promise<ServicePrincipal | undefined> {
  if (!isGuid(objectId)) return undefined;
  const all = await store.list<ServicePrincipalData>({ kind: SERVICE_PRINCIPAL_KIND, limit: 100_000 });
  const found = all.find((r) => r.data.objectId.toLowerCase() === objectId.toLowerCase());
  return found && publicView(found.data);
}

/**
 * A principal by object id or, failing that, by appId. Kiln has no Microsoft Graph, through which az
 * turns `--assignee <appId>` into an object id, so role assignments accept either.
 */
export async function findServicePrincipalByAnyId(
  store: MetadataStore,
  id: string,
): Promise<ServicePrincipal | undefined> {
  return (await findServicePrincipalByObjectId(store, id)) ?? (await findServicePrincipal(store, id));
}

/** Tokens already issued to the principal stop working too: verification checks it still exists. */
export async function deleteServicePrincipal(store: MetadataStore, appId: string): Promise<boolean> {
  if (!isGuid(appId)) return false;
  try {
    await store.apply([{ op: 'delete', key: principalKey(appId), expect: { present: true } }]);
    return true;
  } catch (error) {
    if (error instanceof ExpectationFailedError) return false;
    throw error;
  }
}
