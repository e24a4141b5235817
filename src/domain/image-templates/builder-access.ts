/**
 * What Kiln's image builder principal needs before a run may start, as Azure's first-party builder
 * needs it: read on the source image (Reader on its resource group) and write on each managed image
 * or gallery image definition it distributes to (Contributor on their resource groups). Checked with
 * the same access rules as API calls, first thing in a run: a missing grant fails the run before
 * anything is staged, naming the action, the scope and the command that grants it.
 *
 * The staging resource group is not checked: like Azure's `IT_` group, Kiln makes it on the
 * builder's behalf as the resource provider, not through an RBAC grant.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceGroupId } from '../../core/resource-id.ts';
import { CONTRIBUTOR_ROLE_ID } from '../authorization/built-in-roles.ts';
import { isAllowed, loadCallerAccess } from '../authorization/check-access.ts';
import { ensureSubscriptionRoles, grantRole, resolveRoleGrant } from '../authorization/grant-role.ts';
import type { DomainContext } from '../context.ts';
import { findImageBuilder, type ServicePrincipal } from '../identity/service-principals.ts';
import type { ImageTemplateProperties } from './image-template.ts';

export type BuilderRole = 'Contributor' | 'Reader';

/** One permission the builder lacks, and the grant that gives it. */
export interface MissingGrant {
  action: string;
  /** Where the action is checked: the source or target resource. */
  scope: string;
  /** The template field naming that resource. */
  target: string;
  role: BuilderRole;
  /** Where the fix grants `role`: the resource's group, as Azure's instructions say. */
  grantScope: string;
}

type Need = Omit<MissingGrant, 'grantScope'>;

/** What the builder reads and writes: a template's source and targets. */
export interface BuildReferences {
  properties: Pick<ImageTemplateProperties, 'source' | 'distribute'>;
}

const groupOf = (id: string) => {
  const parsed = parseResourceId(id)!;
  return resourceGroupId(parsed.subscription, parsed.resourceGroup!);
};

function needs(template: BuildReferences): Need[] {
  const { source, distribute } = template.properties;
  const list: Need[] = [];
  if (source.type === 'ManagedImage')
    list.push({
      action: 'Microsoft.Compute/images/read',
      scope: source.imageId,
      target: 'properties.source.imageId',
      role: 'Reader',
    });
  if (source.type === 'SharedImageVersion') {
    list.push({
      action: 'Microsoft.Compute/galleries/images/versions/read',
      scope: source.imageVersionId,
      target: 'properties.source.imageVersionId',
      role: 'Reader',
    });
  }
  distribute.forEach((d, i) => {
    if (d.type === 'ManagedImage') {
      const target = `properties.distribute[${i}].imageId`;
      list.push(
        { action: 'Microsoft.Compute/images/write', scope: d.imageId, target, role: 'Contributor' },
        { action: 'Microsoft.Compute/images/read', scope: d.imageId, target, role: 'Contributor' },
      );
    }
    if (d.type === 'SharedImage') {
      list.push({
        action: 'Microsoft.Compute/galleries/images/versions/write',
        scope: d.galleryImageId,
        target: `properties.distribute[${i}].galleryImageId`,
        role: 'Contributor',
      });
    }
  });
  return list;
}

/** The builder principal, which the composition root creates at start. */
export async function imageBuilderPrincipal(ctx: DomainContext): Promise<ServicePrincipal> {
  const builder = await findImageBuilder(ctx.store);
  if (!builder)
    throw new ArmError(
      500,
      'ImageBuilderPrincipalMissing',
      "Kiln's image builder principal does not exist yet; restart 'kiln serve' to create it.",
    );
  return builder;
}

/** Every permission the builder lacks for `template`, in template order. */
export async function missingBuilderGrants(
  ctx: DomainContext,
  builder: ServicePrincipal,
  template: BuildReferences,
): Promise<MissingGrant[]> {
  const access = await loadCallerAccess(ctx, builder.objectId);
  return needs(template)
    .filter((need) => !isAllowed(access, need.action, need.scope))
    .map((need) => ({ ...need, grantScope: groupOf(need.scope) }));
}

/** The grants that fix `missing`: one per group, Contributor where both roles are wanted (it reads too). */
export function grantsFor(missing: readonly MissingGrant[]): Array<{ role: BuilderRole; scope: string }> {
  const grants = new Map<string, { role: BuilderRole; scope: string }>();
  for (const { grantScope, role } of missing) {
    const key = grantScope.toLowerCase();
    if (grants.get(key)?.role !== 'Contributor') grants.set(key, { role, scope: grantScope });
  }
  return [...grants.values()];
}

/** Fails (403 AuthorizationFailed, as ARM words a denial) when the builder lacks anything `template` needs. */
export async function requireBuilderAccess(ctx: DomainContext, template: BuildReferences): Promise<void> {
  const builder = await imageBuilderPrincipal(ctx);
  const missing = await missingBuilderGrants(ctx, builder, template);
  if (missing.length === 0) return;
  // One clause per resource: a managed image target lacks both read and write.
  const byResource = new Map<string, string[]>();
  for (const m of missing)
    byResource.set(`'${m.scope}' (${m.target})`, [
      ...(byResource.get(`'${m.scope}' (${m.target})`) ?? []),
      `'${m.action}'`,
    ]);
  const lacks = [...byResource].map(([resource, actions]) => `${actions.join(' and ')} on ${resource}`).join('; ');
  const fixes = grantsFor(missing).map(
    (g) => `kiln role assignment create --assignee ${builder.objectId} --role ${g.role} --scope ${g.scope}`,
  );
  throw new ArmError(
    403,
    'AuthorizationFailed',
    `Kiln's image builder principal '${builder.displayName}' (object id ${builder.objectId}) does not have authorization to perform ${lacks}. ` +
      `Builds act as this principal, not as their caller: it needs Contributor on the resource groups it distributes to and Reader on those of its source. Grant it with:\n${fixes.join('\n')}`,
  );
}

/**
 * The builder's default access (`build.builderGrants: "subscription"`): Contributor at every
 * configured subscription where it has none, so builds work on a fresh install. Runs at start.
 */
export function ensureBuilderContributor(ctx: DomainContext, builder: ServicePrincipal): Promise<void> {
  return ensureSubscriptionRoles(ctx, builder.objectId, [CONTRIBUTOR_ROLE_ID], 'principal');
}

/** Grants what `template` needs and the builder lacks: `kiln build` runs as the data folder's owner, who may. */
export async function grantBuilderAccess(
  ctx: DomainContext,
  template: BuildReferences,
): Promise<Array<{ role: BuilderRole; scope: string }>> {
  const builder = await imageBuilderPrincipal(ctx);
  const grants = grantsFor(await missingBuilderGrants(ctx, builder, template));
  for (const grant of grants)
    await grantRole(ctx, builder.objectId, await resolveRoleGrant(ctx, grant.role, grant.scope));
  return grants;
}
