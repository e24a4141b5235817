// isAllowed and isDataAllowed look a scope's ancestors up in the caller's grants by scope
// (check-access.ts); here they must answer as the plain rule does: a grant at the scope or above
// (scopeCovers) whose permissions allow the action, for every grant and scope below.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILT_IN_ROLES } from '../../src/domain/authorization/built-in-roles.ts';
import { isAllowed, isDataAllowed, type CallerAccess } from '../../src/domain/authorization/check-access.ts';
import { permits, permitsData } from '../../src/domain/authorization/permissions.ts';
import { scopeCovers } from '../../src/domain/authorization/scope.ts';

const GROUP = '/subscriptions/s/resourceGroups/G';
const GALLERY = `${GROUP}/providers/Microsoft.Compute/galleries/g`;
const SCOPES = [
  '/',
  '',
  '/subscriptions/s',
  '/subscriptions/s/',
  '/subscriptions/other',
  '/subscriptions/s2',
  GROUP,
  `${GROUP}x`,
  GALLERY,
  `${GALLERY}/images/def`,
  `${GALLERY}/images/def/versions/1.0.0`,
  '/subscriptions/s/resourceGroups/kiln-storage/providers/Microsoft.Storage/storageAccounts/westus/blobServices/default/containers/c',
];
const ACTIONS = [
  'Microsoft.Compute/galleries/images/read',
  'Microsoft.Compute/galleries/images/write',
  'Microsoft.Authorization/roleAssignments/write',
];
const DATA_ACTIONS = ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'];

describe('access checks by scope', () => {
  it('answer as a walk over every grant would, for grants at every level and every role', () => {
    const grantScopes = ['/', '/subscriptions/s', GROUP, GALLERY, `${GALLERY}/images/def`, '/subscriptions/s2'];
    for (const [i, role] of BUILT_IN_ROLES.entries()) {
      const grants = grantScopes
        .filter((_, j) => (i + j) % 3 !== 0)
        .map((scope) => ({ scope: scope.toLowerCase(), permissions: role.permissions }));
      const byScope = new Map<string, typeof grants>();
      for (const grant of grants) byScope.set(grant.scope, [...(byScope.get(grant.scope) ?? []), grant]);
      const access: CallerAccess = { principalId: 'p', grants, byScope };
      for (const scope of SCOPES) {
        const covering = grants.filter((g) => scopeCovers(g.scope, scope.toLowerCase()));
        for (const action of ACTIONS)
          assert.equal(
            isAllowed(access, action, scope),
            covering.some((g) => permits(g.permissions, action)),
            `${role.roleName} ${action} at '${scope}'`,
          );
        for (const action of DATA_ACTIONS)
          assert.equal(
            isDataAllowed(access, action, scope),
            covering.some((g) => permitsData(g.permissions, action)),
            `${role.roleName} ${action} at '${scope}'`,
          );
      }
    }
  });
});
