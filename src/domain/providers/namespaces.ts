/**
 * The resource providers Kiln serves, read off its resource type table (resource-types.ts): a
 * namespace per distinct prefix, each with its types, so a type added there is listed here unasked.
 */
import { ArmError } from '../../core/arm-error.ts';
import { namespaceOf } from '../operation-lists/descriptor.ts';
import { RESOURCE_TYPES } from '../resource-types.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

export interface ServedType {
  /** As Azure lists it under its namespace: `galleries/images/versions`. */
  resourceType: string;
  /** Every version the type's routes accept (two descriptors of one type merged). */
  apiVersions: readonly string[];
  /** Whether it lives in a location: in a resource group, under `locations/`, or a resource group itself. */
  regional: boolean;
  /** A tracked resource (its descriptor's `tracking`): tags and a location, Azure's `SupportsTags, SupportsLocation`. */
  tracked: boolean;
}

export interface ServedNamespace {
  namespace: string;
  types: ServedType[];
}

/**
 * Namespaces Azure needs no registration for, and shows as `RegistrationFree`: what ARM itself serves
 * (groups, deployments, role assignments, preview features). Their writes are never refused for it.
 */
const REGISTRATION_FREE = new Set(['microsoft.resources', 'microsoft.authorization', 'microsoft.features']);

export const isRegistrationFree = (namespace: string) => REGISTRATION_FREE.has(namespace.toLowerCase());

const paths = (type: ResourceTypeDescriptor) => [type.path ?? '', ...type.collections].map((p) => p.toLowerCase());

function servedType(descriptors: ResourceTypeDescriptor[]): ServedType {
  const [first] = descriptors;
  const resourceType = first.type.slice(first.type.indexOf('/') + 1);
  const all = descriptors.flatMap(paths);
  return {
    resourceType,
    apiVersions: apiVersions(...descriptors.map((d) => d.apiVersions)),
    regional:
      resourceType.toLowerCase().startsWith('locations/') ||
      all.some((p) => p.includes('{resourcegroup}') || p.includes('/resourcegroups/{')),
    tracked: descriptors.some((d) => d.tracking === 'tracked'),
  };
}

function servedNamespaces(types: readonly ResourceTypeDescriptor[]): ServedNamespace[] {
  const byType = new Map<string, ResourceTypeDescriptor[]>();
  for (const type of types) byType.set(type.type.toLowerCase(), [...(byType.get(type.type.toLowerCase()) ?? []), type]);
  const byNamespace = new Map<string, ServedNamespace>();
  for (const descriptors of byType.values()) {
    const namespace = namespaceOf(descriptors[0].type);
    const entry = byNamespace.get(namespace.toLowerCase()) ?? { namespace, types: [] };
    entry.types.push(servedType(descriptors));
    byNamespace.set(namespace.toLowerCase(), entry);
  }
  return [...byNamespace.values()];
}

/** Every namespace Kiln serves, in the order their first types are listed. */
export const SERVED_NAMESPACES: readonly ServedNamespace[] = servedNamespaces(RESOURCE_TYPES);

/** The served namespace `namespace` names (any case); 404 InvalidResourceNamespace, as ARM answers, for another. */
export function requireNamespace(namespace: string): ServedNamespace {
  const found = SERVED_NAMESPACES.find((n) => n.namespace.toLowerCase() === namespace.toLowerCase());
  if (!found) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`);
  return found;
}
