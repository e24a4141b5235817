/**
 * An identity in the shape of the request's api-version (issue 18). `properties.isolationScope` is in
 * Microsoft.ManagedIdentity's models from 2024-11-30 on (stable/2024-11-30, and every version after
 * it: 2025-01-31-preview, 2025-05-31-preview, 2026-04-30, 2026-05-31); 2023-07-31-preview and older
 * have no such member. So an answer at 2024-11-30 or later always carries it, `None` unless a request
 * set it (Azure's default: its examples and `az identity show` print `"isolationScope": "None"` for an
 * identity created without one), and an answer at an older version never does. A write at an older
 * version that gives it is refused at its path, as version-shape.ts refuses a newer member of the
 * Compute types (this table is Microsoft.ManagedIdentity's, which scripts/api-version-shapes.ts does
 * not read). The record keeps what a request gave; only answers differ.
 */
import type { Problems } from '../../core/arm-error.ts';
import type { UserAssignedIdentity } from './identity.ts';

/** The first api-version whose model has `properties.isolationScope`. */
export const ISOLATION_SCOPE_SINCE = '2024-11-30';

/** Whether `apiVersion`'s model has `isolationScope` (an internal call naming none: the newest shape). */
export const hasIsolationScope = (apiVersion: string | undefined) =>
  !apiVersion || apiVersion.toLowerCase() >= ISOLATION_SCOPE_SINCE;

export function identityView(identity: UserAssignedIdentity, apiVersion: string | undefined): UserAssignedIdentity {
  const { isolationScope, ...rest } = identity.properties;
  return {
    ...identity,
    properties: hasIsolationScope(apiVersion) ? { ...rest, isolationScope: isolationScope ?? 'None' } : rest,
  };
}

/** Refuses `properties.isolationScope` given (not null) at a version whose model lacks it. */
export function refuseIsolationScopeBefore(
  props: Record<string, unknown>,
  apiVersion: string | undefined,
  problems: Problems,
): void {
  if (props.isolationScope === undefined || props.isolationScope === null || hasIsolationScope(apiVersion)) return;
  problems.add(
    'properties.isolationScope',
    `The property 'properties.isolationScope' of Microsoft.ManagedIdentity/userAssignedIdentities is not in ` +
      `api-version ${apiVersion}: it was added in ${ISOLATION_SCOPE_SINCE}. Send the request with api-version ` +
      `${ISOLATION_SCOPE_SINCE} or later, or without 'properties.isolationScope'.`,
    'InvalidParameter',
  );
}
