/**
 * A user-assigned identity's `assignmentRestrictions` (Microsoft.ManagedIdentity 2025-05-31-preview,
 * 2026-05-31): the resource providers (`Microsoft.Compute`) or types (`Microsoft.Compute/galleries`)
 * it may be assigned to, matched without case. Kiln keeps the list and holds to it: a request that
 * assigns the identity to a resource of another type (a gallery's or a template's identity, a template
 * build VM's) is refused naming the field, whichever way the request comes (an SDK, a deployment, the
 * generic resource API). An identity without the member may be assigned anywhere, as before.
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { getResource } from '../shared/arm-resource.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';
import { USER_ASSIGNED_IDENTITY_KIND, type AssignmentRestrictions, type UserAssignedIdentity } from './identity.ts';

/** The action assigning an identity takes; references needing it are assignments. */
export const ASSIGN_IDENTITY_ACTION = 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action';

const TARGET = 'properties.assignmentRestrictions';
/** A namespace (`Microsoft.Compute`), or a namespace and type(s) (`Microsoft.Storage/Accounts`). */
const PROVIDER = /^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+(\/[A-Za-z0-9]+)*$/;

/**
 * A PUT's or PATCH's `assignmentRestrictions`: undefined when not given, null when given null (a PATCH
 * taking the restrictions away), else the checked value. An empty `providers` list would say nothing
 * Kiln could hold to without guessing (none, or any?), so it is refused: leave the member out instead.
 */
export function checkAssignmentRestrictions(
  value: unknown,
  problems: Problems,
): AssignmentRestrictions | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isObject(value)) {
    problems.add(TARGET, `'${TARGET}' must be an object.`);
    return undefined;
  }
  refuseUnknownFields(value, ['providers'], TARGET, problems);
  const providers = value.providers;
  if (providers === undefined || providers === null) return {};
  const at = `${TARGET}.providers`;
  if (!Array.isArray(providers) || providers.length === 0) {
    problems.add(
      at,
      `'${at}' must list the resource providers or types the identity may be assigned to, such as 'Microsoft.Compute' or 'Microsoft.Compute/galleries'; leave '${TARGET}' out to let it be assigned anywhere.`,
    );
    return undefined;
  }
  providers.forEach((provider, i) => {
    if (typeof provider !== 'string' || !PROVIDER.test(provider))
      problems.add(
        `${at}[${i}]`,
        `'${at}[${i}]' must be a resource provider namespace or a resource type, such as 'Microsoft.Compute' or 'Microsoft.Compute/galleries'.`,
      );
  });
  return { providers: providers as string[] };
}

/** Whether `restrictions` let the identity be assigned to a resource of `type` (`Microsoft.Compute/galleries`). */
export function allowsAssignmentTo(restrictions: AssignmentRestrictions | undefined, type: string): boolean {
  if (!restrictions?.providers) return true;
  const wanted = type.toLowerCase();
  return restrictions.providers.some((provider) => {
    const allowed = provider.toLowerCase();
    return wanted === allowed || wanted.startsWith(`${allowed}/`);
  });
}

/** An identity a request assigns: its id as named, the body field naming it, and the type it is assigned to. */
export interface IdentityAssignment {
  id: string;
  field: string;
  assignedTo: string;
}

/**
 * Refuses (400 IdentityAssignmentRestricted, naming the field) assignments of identities whose
 * restrictions do not list the type they are assigned to. An identity that does not exist is left to
 * the operation, which names it.
 */
export async function refuseRestrictedAssignments(ctx: DomainContext, assignments: IdentityAssignment[]) {
  for (const { id, field, assignedTo } of assignments) {
    const found = (await getResource<UserAssignedIdentity, Record<string, never>>(ctx, id))?.data.resource;
    // Whatever else the id names is left to the operation too.
    const identity = found?.type?.toLowerCase() === USER_ASSIGNED_IDENTITY_KIND ? found : undefined;
    const restrictions = identity?.properties?.assignmentRestrictions;
    if (!identity || allowsAssignmentTo(restrictions, assignedTo)) continue;
    throw new ArmError(
      400,
      'IdentityAssignmentRestricted',
      `The identity '${identity.id}' may be assigned only to ${restrictions!.providers!.map((p) => `'${p}'`).join(', ')} ` +
        `(its properties.assignmentRestrictions), not to a resource of type '${assignedTo}'.`,
      field.replace(/(\[\]|\{\})/g, ''),
    );
  }
}
