/**
 * How the operations of a resource type name what they act on: one object whose fields are the
 * `{parameters}` of the type's path template (domain/shared/resource-type.ts), never positional
 * strings. A nested type's ref adds its parents' names (`GalleryImageRef`: `gallery`; `VersionRef`:
 * `gallery`, `image`, `version`); a list takes the ref of where it looks. What ARM names otherwise
 * has a ref of its own shape: a subscription is its id, an extension resource (a role definition or
 * assignment) a `ScopedRef` (its scope and name), an operation an `OperationRef`.
 */

/** A resource directly in a resource group. */
export interface ResourceRef {
  subscription: string;
  resourceGroup: string;
  name: string;
}

/** Where a list of resources directly in resource groups looks: one group, or the whole subscription. */
export interface ListScope {
  subscription: string;
  resourceGroup?: string;
}

/** A resource group. */
export interface ResourceGroupRef {
  subscription: string;
  name: string;
}
