/**
 * The first start creates one admin service principal. Its secret goes to a file only the owner can
 * read (never to the log), and the server prints where that file is. The administrator (the first
 * principal of the install) is Owner, and Storage Blob Data Contributor, of every subscription where
 * nobody holds that role at the root, so a fresh install, a subscription added to config.json and
 * data from before roles existed all stay usable.
 */
import { join } from 'node:path';
import { ensureAdministratorAccess } from '../domain/authorization/grant-role.ts';
import type { DomainContext } from '../domain/context.ts';
import { createServicePrincipal, firstServicePrincipal } from '../domain/identity/service-principals.ts';
import { writeFileAtomic } from './atomic-file.ts';

export async function ensureAdminPrincipal(domain: DomainContext, dataDir: string): Promise<string | undefined> {
  const existing = await firstServicePrincipal(domain.store);
  if (existing) {
    await ensureAdministratorAccess(domain, existing.objectId);
    return undefined;
  }
  const admin = await createServicePrincipal(domain.store, { displayName: 'kiln-admin' });
  await ensureAdministratorAccess(domain, admin.objectId);
  const path = join(dataDir, 'admin-credentials.json');
  // The shape of `az ad sp create-for-rbac`, like `kiln sp create` prints.
  const credentials = {
    appId: admin.appId,
    displayName: admin.displayName,
    password: admin.password,
    tenant: domain.settings.tenantId,
  };
  await writeFileAtomic(path, JSON.stringify(credentials, null, 2) + '\n', 0o600);
  return path;
}
