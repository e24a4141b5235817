/**
 * Scopes of Azure RBAC: the root `/`, a subscription, a resource group, or a resource (a child
 * resource too). An assignment at a scope reaches everything below it, which is a path prefix.
 */
import { parseResourceId } from '../../core/resource-id.ts';

export interface Scope {
  /** As the client spelled it, without a trailing slash (`/` for the root). */
  path: string;
  /** Lower-cased, for comparisons and store keys. */
  key: string;
  subscription?: string;
  resourceGroup?: string;
}

/** An extension resource (a role definition or assignment), which ARM names by the scope it sits at and its name. */
export interface ScopedRef {
  scope: Scope;
  name: string;
}

export const ROOT_SCOPE: Scope = { path: '/', key: '/' };

/** A scope named by a client, or undefined when it is not a subscription, resource group or resource id. */
export function parseScope(raw: string): Scope | undefined {
  if (raw.trim() === '') return undefined;
  const trimmed = '/' + raw.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '/') return ROOT_SCOPE;
  const id = parseResourceId(trimmed);
  if (!id) return undefined;
  return { path: trimmed, key: trimmed.toLowerCase(), subscription: id.subscription, resourceGroup: id.resourceGroup };
}

/** Whether an assignment at `ancestor` reaches `scope` (both lower-cased keys). */
export function scopeCovers(ancestor: string, scope: string): boolean {
  return ancestor === '/' || scope === ancestor || scope.startsWith(`${ancestor}/`);
}
