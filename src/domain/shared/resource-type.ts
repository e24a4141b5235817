/**
 * What Kiln knows about one ARM resource type, declared once in its domain folder
 * (`src/domain/<type>/descriptor.ts`) and listed in `src/domain/resource-types.ts`. The HTTP layer
 * derives from it the api-versions a route accepts, the paths of the standard routes and the
 * linked-access checks on the resources a request body names.
 *
 * Invariants:
 *  - `references` is required: a type whose body names no other resource says so with `[]`, so a new
 *    type cannot compile without deciding what access each resource its body names needs.
 *    test/api/resource-types.test.ts sends, for every reference of every descriptor, a body naming a
 *    resource the caller may not touch and expects 403.
 *  - Path templates name their `{parameters}` after the fields of the ref the type's operations take
 *    (`{subscription}`, `{resourceGroup}`, `{name}`; `{gallery}`, `{image}`, `{version}` below a
 *    gallery), so a route's parameters are that ref.
 *  - api-versions are lower-case (the check compares the lower-cased query value) and sorted. They are
 *    the type's folders in azure-rest-api-specs (checked 2026), each list naming its source; the
 *    versions the installed SDKs and Debian's azure-cli 2.45 send are among them, named beside it.
 */

/**
 * A body field that names another resource by its id (`a.b`, `[]` walks an array, a last segment
 * ending `{}` names an object's keys, as `identity.userAssignedIdentities{}`), and what the caller
 * needs on each resource named there.
 */
export interface ResourceReference {
  field: string;
  /** `read`: the named resource's own read action (`.../galleries/images/versions/read`); else that action, as an identity's `assign/action`. */
  needs: 'read' | `${string}/action` | `${string}/write`;
  /**
   * Who checks it. By default linked access, before the operation runs (403 LinkedAuthorizationFailed);
   * `operation` when the check needs what the stored resource names now, which only the operation
   * reads (a custom role's current assignable scopes), and it answers 403 AuthorizationFailed.
   */
  checkedBy?: 'operation';
  /**
   * Types of resource (lower-cased, as core/resource-id.ts's `resourceTypeOf` spells them) named here
   * that need nothing: platform images, which ARM lets every caller use without access to them.
   */
  unchecked?: readonly string[];
  /**
   * For an identity the resource assigns (`needs` its `assign/action`): the type it is assigned to,
   * when not the resource's own (a template's build VM), which its assignment restrictions must allow
   * (domain/managed-identities/assignment-restrictions.ts).
   */
  assignedTo?: string;
}

export interface ResourceTypeDescriptor {
  /** As Azure spells it: `Microsoft.Compute/disks`. */
  type: string;
  /** The api-versions the type's routes accept (`apiVersions()` makes the list). */
  apiVersions: readonly string[];
  /**
   * Path template of one resource (`{scope}` stands for every scope a type that lives at any scope
   * sits under); absent for a type Kiln only lists.
   */
  path?: string;
  /** Path templates of the lists of it: by resource group and by subscription, or under its parent (`[]`: none). */
  collections: readonly string[];
  references: readonly ResourceReference[];
  /**
   * What ARM's generic resource API makes of it, in ARM's words; required, so a new type decides it:
   *  - `tracked`: a resource with a location and tags that ARM itself keeps track of (one directly in a
   *    group, or nested as a gallery's images and their versions are): listed by `GET .../resources`,
   *    tagged through the tags API, exported in its group's template (domain/resources, domain/tags,
   *    domain/resource-groups/export-template);
   *  - `proxy`: a child or extension resource only its provider keeps (a subnet, a security rule, a run
   *    output, a role assignment): reached by its id, never listed, tagged or exported;
   *  - `none`: not a resource in a group (a subscription, a group, a tenant, an operation, a catalog view).
   */
  tracking: 'tracked' | 'proxy' | 'none';
  /**
   * A tracked type's fields that only the server sets (`readOnly` in its REST spec), as `properties.a.b`
   * (`[]` walks an array): left out of its group's exported template, which would otherwise not deploy
   * again. A tracked type without it is not exported (the export names it in `error.details`).
   */
  readOnly?: readonly string[];
  /**
   * Blob URL fields a build run downloads rather than the request: left out of the request's check of
   * every Kiln blob URL in its body (http/arm/linked-access.ts), since the run fetches them as the
   * template's identity or with their own SAS, under the blob route's rules. Paths as `a.b[].c`.
   */
  blobsFetchedByRuns?: readonly string[];
}

/** A type addressed as ARM resources are: one at `path`, lists at `collections` (what http/arm/resource-routes.ts serves). */
export interface ResourceTypeWithPaths extends ResourceTypeDescriptor {
  path: string;
}

/** The lists of api-versions merged, without duplicates, sorted (every version in them is lower-case). */
export function apiVersions(...lists: readonly (readonly string[])[]): readonly string[] {
  return Object.freeze([...new Set(lists.flat())].sort());
}

/** The type, path and lists of a type that sits directly in a resource group (`Microsoft.Compute/images`): listed by group and by subscription. */
export function inResourceGroup(type: string): Pick<ResourceTypeWithPaths, 'type' | 'path' | 'collections'> {
  const [namespace, collection] = type.split('/');
  const providers = `/providers/${namespace}/${collection}`;
  const group = '/subscriptions/{subscription}/resourceGroups/{resourceGroup}';
  return {
    type,
    path: `${group}${providers}/{name}`,
    collections: [`${group}${providers}`, `/subscriptions/{subscription}${providers}`],
  };
}
