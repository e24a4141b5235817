/**
 * Whether a principal may use a container's blobs (its role assignments over the container's scope,
 * blob-scope.ts), or act on a region's account as a whole (Get User Delegation Key) when no container is named.
 */
import { isAllowed, isDataAllowed, loadCallerAccess } from '../authorization/check-access.ts';
import type { DomainContext } from '../context.ts';
import { containerScope, storageAccountScope, type StoragePermission } from './blob-scope.ts';

export async function holdsStoragePermission(
  ctx: DomainContext,
  principalId: string,
  permission: StoragePermission,
  region: string,
  container?: string,
): Promise<boolean> {
  const access = await loadCallerAccess(ctx, principalId);
  const scope = container === undefined ? storageAccountScope(ctx, region) : containerScope(ctx, region, container);
  return 'dataAction' in permission
    ? isDataAllowed(access, permission.dataAction, scope)
    : isAllowed(access, permission.action, scope);
}
