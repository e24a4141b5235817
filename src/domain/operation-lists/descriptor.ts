/**
 * `{namespace}/operations`: every namespace's list of the operations it serves
 * (`GET /providers/Microsoft.Compute/operations`, Azure's OperationListResult), not to be confused
 * with the status monitors of long-running operations (domain/operations/). One descriptor per
 * namespace Kiln serves, derived from the other types, so a new namespace gets its list unasked.
 */
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

/** The namespace of a type as the type spells it: `Microsoft.Compute` of `Microsoft.Compute/disks`. */
export const namespaceOf = (type: string) => type.slice(0, type.indexOf('/'));

/**
 * A list per namespace of `types`, accepting every api-version of the namespace's types: each SDK
 * lists operations with its own client's version (@azure/arm-compute the newest ComputeRP one).
 */
export function operationListTypes(types: readonly ResourceTypeDescriptor[]): ResourceTypeDescriptor[] {
  const byNamespace = new Map<string, (readonly string[])[]>();
  for (const { type, apiVersions: versions } of types) {
    const namespace = namespaceOf(type);
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), versions]);
  }
  return [...byNamespace].map(([namespace, versions]) => ({
    type: `${namespace}/operations`,
    tracking: 'none' as const,
    apiVersions: apiVersions(...versions),
    collections: [`/providers/${namespace}/operations`],
    references: [],
  }));
}
