// isAllowed and isDataAllowed compare a caller's few grant scopes with the scope, or look a scope's
// ancestors up in its many grants by scope (check-access.ts); here both ways must answer as the plain
// rule does: a grant at the scope or above (scopeCovers) whose permissions allow the action, for every
// grant and scope below.
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

/** Grants at other subscriptions' groups, enough to take the caller past a few scopes. */
const ELSEWHERE = Array.from({ length: 30 }, (_, i) => `/subscriptions/s${i + 3}/resourceGroups/G`);

describe('access checks by scope', () => {
  for (const [callerHolds, elsewhere] of [
    ['a few scopes', []],
    ['many scopes', ELSEWHERE],
  ] as const)
    it(`answer as a walk over every grant would, for grants at any levels and every role (${callerHolds})`, () => {
      const levels = ['/', '/subscriptions/s', GROUP, GALLERY, `${GALLERY}/images/def`, '/subscriptions/s2'];
      // Every subset of the levels.
      for (let held = 0; held < 2 ** levels.length; held += 1)
        checkEveryRole([...elsewhere, ...levels.filter((_, j) => held & (2 ** j))]);
    });
});

function checkEveryRole(grantScopes: readonly string[]): void {
  for (const role of BUILT_IN_ROLES) {
    const grants = grantScopes.map((scope) => ({ scope: scope.toLowerCase(), permissions: role.permissions }));
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
}
