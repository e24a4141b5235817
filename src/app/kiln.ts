/**
 * The composition root without HTTP: picks the metadata store (SQLite in the data folder, or
 * PostgreSQL), the region blob stores, the token authority, and builds the domain context. The
 * server and the CLI's local commands both start here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openSqliteMetadataStore } from '../adapters/sqlite-metadata-store.ts';
import { formatBlobUrl } from '../core/blob-url.ts';
import { signBlobAccess } from '../core/blob-sas.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { BlobUrlIssuer, DomainContext } from '../domain/context.ts';
import type { TaskPayloads } from '../domain/task-payloads.ts';
import { grantRole, resolveRoleGrant } from '../domain/authorization/grant-role.ts';
import { createServicePrincipal } from '../domain/identity/service-principals.ts';
import { TRACKED_KINDS } from '../domain/resources/generic-resource.ts';
import { stampResourceTimes } from '../domain/resources/resource-times.ts';
import {
  DEFAULT_LIFETIME_SECONDS,
  STANDARD_AUDIENCES,
  createTokenAuthority,
  type TokenAuthority,
} from '../domain/identity/local-token-authority.ts';
import { openSigningKeyRing, rotateSigningKey, type SigningKeyRing } from '../domain/identity/signing-key-ring.ts';
import { readOrCreateKey } from '../domain/shared/kiln-keys.ts';
import { createAccessCache, watchAccessWrites, type AccessCache } from '../domain/authorization/access-cache.ts';
import { separateUserBlobs } from '../domain/storage/user-blob-layout.ts';
import { StoreJobQueue } from '../jobs/store-job-queue.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';
import { configPath, domainSettings, loadOrCreateConfig, type KilnConfig } from './config.ts';
import { makeDataFolderPrivate } from './data-folder.ts';
import { createRegionStores } from './region-stores.ts';
import { legacySasSecret, legacySigningKey } from './legacy-keys.ts';

export interface KilnOptions {
  dataDir: string;
  /** `postgres://...` to keep metadata in PostgreSQL; SQLite in the data folder otherwise. */
  db?: string;
  /** Schema for PostgreSQL metadata (lets several Kiln installs or tests share a database). */
  dbSchema?: string;
  /** config.json elsewhere than the data folder: one file every node on a shared store reads (`--config`). */
  configFile?: string;
  /** Kiln's own URL: tokens name it as issuer and may be issued for it as audience. */
  publicUrl?: string;
  clock?: Clock;
}

/** What `kiln sp create` prints: `az ad sp create-for-rbac`'s fields, plus the object id role assignments name. */
export interface CreatedServicePrincipal {
  appId: string;
  displayName: string;
  password: string;
  tenant: string;
  objectId: string;
}

export interface Kiln {
  config: KilnConfig;
  configCreated: boolean;
  store: MetadataStore;
  domain: DomainContext;
  queue: StoreJobQueue<TaskPayloads>;
  authority: TokenAuthority;
  /** Token verdicts and callers' access kept for a moment; this process's writes to them clear it. */
  accessCache: AccessCache;
  /** The token signing keys, shared through the store. */
  keys: SigningKeyRing;
  /** A new signing key for every process on the store (`kiln keys rotate`); the replaced one verifies until its tokens expire. */
  rotateSigningKey(): Promise<{ kid: string; retired: string[]; dropped: string[] }>;
  sasSecret: Buffer;
  /** Audiences whose tokens open the management API. */
  armAudiences: readonly string[];
  /** Opens every region store now (see BlobStore.open): the region folders become this process's. */
  openRegions(): Promise<void>;
  /** A new principal, with `role` at each of `scopes` when given (as `az ad sp create-for-rbac --role --scopes`). */
  createServicePrincipal(
    displayName: string,
    access?: { role: string; scopes: string[] },
  ): Promise<CreatedServicePrincipal>;
  close(): Promise<void>;
}

export async function openKiln(options: KilnOptions): Promise<Kiln> {
  const clock = options.clock ?? systemClock;
  await makeDataFolderPrivate(options.dataDir);
  const { config, created } = await loadOrCreateConfig(options.dataDir, options.configFile);
  const accessCache = createAccessCache(clock);
  // Outermost, so that every batch of this process that changes access clears what the cache kept.
  const store = watchAccessWrites(
    stampResourceTimes(
      options.db?.startsWith('postgres')
        ? // Loaded only when named, as the Azure SDK is (region-stores.ts): the embedded default needs neither.
          await (
            await import('../adapters/postgres-metadata-store.ts')
          ).openPostgresMetadataStore(options.db, {
            schema: options.dbSchema,
          })
        : await openSqliteMetadataStore(join(options.dataDir, 'kiln.db')),
      clock,
      TRACKED_KINDS,
    ),
    accessCache,
  );
  const regions = await createRegionStores(options.dataDir, config.regions);
  await checkTenant(store, config, configPath(options.dataDir, options.configFile));
  // Shared by every process on the store; an older Kiln's key files seed them once.
  const sasSecret = Buffer.from(
    await readOrCreateKey(store, 'blob-sas', async () =>
      ((await legacySasSecret(options.dataDir)) ?? randomBytes(32)).toString('base64'),
    ),
    'base64',
  );
  const keys = await openSigningKeyRing({ store, clock, seed: () => legacySigningKey(options.dataDir) });
  const queue = new StoreJobQueue<TaskPayloads>(clock, store);
  const domain: DomainContext = {
    store,
    regions,
    jobs: queue,
    clock,
    settings: domainSettings(config, options.publicUrl),
    blobUrls: blobUrlIssuer(sasSecret),
  };
  const authority = createTokenAuthority({
    store,
    keys,
    tenantId: config.tenantId,
    issuerUrl: options.publicUrl ?? 'https://localhost',
    acceptedAudiences: options.publicUrl ? [...STANDARD_AUDIENCES, options.publicUrl] : STANDARD_AUDIENCES,
    clock,
  });
  return {
    config,
    configCreated: created,
    store,
    domain,
    queue,
    authority,
    accessCache,
    keys,
    sasSecret,
    armAudiences: [
      'https://management.azure.com/',
      'https://management.core.windows.net/',
      ...(options.publicUrl ? [options.publicUrl] : []),
    ],
    // A store made before user blobs had their own namespace gets it before anything uses the store.
    openRegions: async () =>
      void (await Promise.all(
        regions.regions().map(async (region) => {
          const regionStore = regions.get(region)!;
          await regionStore.open();
          await separateUserBlobs(regionStore);
        }),
      )),
    async createServicePrincipal(displayName, access) {
      const grants = await Promise.all(
        (access?.scopes ?? []).map((scope) => resolveRoleGrant(domain, access!.role, scope)),
      );
      const { appId, objectId, password } = await createServicePrincipal(store, { displayName });
      for (const grant of grants) await grantRole(domain, objectId, grant);
      return { appId, displayName, password, tenant: config.tenantId, objectId };
    },
    rotateSigningKey: () => rotateSigningKey(store, clock, DEFAULT_LIFETIME_SECONDS),
    async close() {
      keys.close();
      await Promise.all(regions.regions().map((region) => regions.get(region)!.close()));
      await store.close();
    },
  };
}

function blobUrlIssuer(secret: Buffer): BlobUrlIssuer {
  return {
    plain: (baseUrl, region, key) => formatBlobUrl(baseUrl, region, key),
    signed: (baseUrl, region, key, access) =>
      `${formatBlobUrl(baseUrl, region, key)}?${signBlobAccess(secret, { region, key, permissions: access.write ? 'rw' : 'r', expiresOn: access.expiresOn, identifier: access.identifier })}`,
  };
}

/**
 * A store belongs to the tenant of the configuration it was first opened with: a node given another
 * configuration (its own new config.json instead of the shared one) would serve other subscriptions
 * over the same resources, so it stops here, naming both.
 */
async function checkTenant(store: MetadataStore, config: KilnConfig, path: string): Promise<void> {
  const tenant = await readOrCreateKey(store, 'tenant', async () => config.tenantId);
  if (tenant !== config.tenantId)
    throw new Error(
      `${path} names tenant ${config.tenantId}, but this metadata store belongs to tenant ${tenant}: every Kiln on one store must read the same configuration (point them at one file with --config).`,
    );
}
