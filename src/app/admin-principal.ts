/**
 * The first start creates one admin service principal. Its secret goes to a file only the owner can
 * read (never to the log), and the server prints where that file is.
 */
import { join } from 'node:path';
import { SERVICE_PRINCIPAL_KIND, createServicePrincipal } from '../domain/identity/service-principals.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';
import { writeFileAtomic } from './atomic-file.ts';

export async function ensureAdminPrincipal(store: MetadataStore, dataDir: string, tenantId: string): Promise<string | undefined> {
  const existing = await store.list({ kind: SERVICE_PRINCIPAL_KIND, limit: 1 });
  if (existing.length > 0) return undefined;
  const admin = await createServicePrincipal(store, { displayName: 'kiln-admin' });
  const path = join(dataDir, 'admin-credentials.json');
  // The shape of `az ad sp create-for-rbac`, like `kiln sp create` prints.
  const credentials = { appId: admin.appId, displayName: admin.displayName, password: admin.password, tenant: tenantId };
  await writeFileAtomic(path, JSON.stringify(credentials, null, 2) + '\n', 0o600);
  return path;
}
