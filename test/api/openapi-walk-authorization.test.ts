// Issue 18's rule for Microsoft.Authorization/roleAssignments and /roleDefinitions, checked by walking
// the spec's models (test/api/spec-models/Authorization-2022-04-01-role-assignment-definition.json,
// read by test/support/openapi-walk.ts) at 2022-04-01, the api-version both @azure/arm-authorization 9
// and the Azure CLI 2.45 send for them: every property a client may write comes back from a PUT of a
// new assignment or custom role with the value sent, or is refused with a 4xx naming its path. Each
// assignment probe gives the Reader role to a principal of its own (a new user-assigned identity), as
// one principal holds a role at a scope once; each role probe is a custom role of its own name.
// DEPARTURES lists what Kiln does otherwise today, with why; the test fails on a new departure and on
// one that is gone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertDepartures, readSpecModel, startWalkServer, walkModel } from '../support/openapi-walk.ts';

const API_VERSION = '2022-04-01';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
/** Stands for the principal a probe's own identity has, until its PUT makes it. */
const OWN_PRINCIPAL = 'own-principal';

/** Probe (path = value) to why Kiln departs from the rule there, per model. */
const DEPARTURES: Record<string, Record<string, string>> = { RoleAssignmentCreateParameters: {}, RoleDefinition: {} };

describe('role assignments and definitions: every writable property of the 2022-04-01 models', () => {
  let walker: Awaited<ReturnType<typeof startWalkServer>>;
  let subscription: string;

  before(async () => {
    walker = await startWalkServer({ workers: 0 });
    subscription = `/subscriptions/${walker.kiln.subscriptionId}`;
  });
  after(() => walker.kiln.stop());

  /** A new user-assigned identity's principal id. */
  async function newPrincipal(name: string): Promise<string> {
    const identity = await walker.call(
      'PUT',
      `${walker.group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}?api-version=2023-01-31`,
      { location: 'westus' },
    );
    if (identity.status !== 201) throw new Error(JSON.stringify(identity.body));
    return identity.body.properties.principalId;
  }

  it(`role assignments: each property stored and returned, or refused naming its path (api-version ${API_VERSION})`, async (t) => {
    const probed = await newPrincipal('walk-probed');
    const result = await walkModel({
      definitions: await readSpecModel('Authorization-2022-04-01-role-assignment-definition.json'),
      root: 'RoleAssignmentCreateParameters',
      base: () => ({
        properties: {
          roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
          principalId: OWN_PRINCIPAL,
        },
      }),
      strings: (path) => {
        if (path === 'properties.roleDefinitionId')
          return `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${READER}`;
        if (path === 'properties.principalId') return probed;
        if (path === 'properties.conditionVersion') return '2.0';
        if (path === 'properties.condition')
          return "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'walk'";
        if (path === 'properties.delegatedManagedIdentityResourceId')
          return `${walker.group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/walk-probed`;
        return undefined;
      },
      put: async (n, body) => {
        if (body.properties.principalId === OWN_PRINCIPAL)
          body.properties.principalId = await newPrincipal(`walk-assignment-${n}`);
        const at = `${walker.group}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
        return walker.call('PUT', `${at}?api-version=${API_VERSION}`, body);
      },
    });
    assertDepartures(t, result, DEPARTURES.RoleAssignmentCreateParameters);
  });

  it(`role definitions: each property stored and returned, or refused naming its path (api-version ${API_VERSION})`, async (t) => {
    const result = await walkModel({
      definitions: await readSpecModel('Authorization-2022-04-01-role-assignment-definition.json'),
      root: 'RoleDefinition',
      base: (n) => ({
        properties: {
          roleName: `walk-role-${n}`,
          type: 'CustomRole',
          permissions: [{ actions: ['*/read'] }],
          assignableScopes: [subscription],
        },
      }),
      strings: (path) => {
        if (path === 'properties.roleName') return 'walk-role-probed';
        if (path === 'properties.type') return 'CustomRole';
        if (path.startsWith('properties.permissions[0].')) return 'Microsoft.Compute/disks/read';
        if (path === 'properties.assignableScopes[0]') return walker.group;
        return undefined;
      },
      put: (_n, body) =>
        walker.call(
          'PUT',
          `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${randomUUID()}?api-version=${API_VERSION}`,
          body,
        ),
    });
    assertDepartures(t, result, DEPARTURES.RoleDefinition);
  });

  it('a PUT of the same assignment changes its description, which it ignored', async () => {
    const at = `${walker.group}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=${API_VERSION}`;
    const properties = {
      roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
      principalId: await newPrincipal('walk-described'),
    };
    assert.equal((await walker.call('PUT', at, { properties: { ...properties, description: 'first' } })).status, 201);
    const again = await walker.call('PUT', at, { properties: { ...properties, description: 'second' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.properties.description, 'second');
    assert.equal((await walker.call('GET', at)).body.properties.description, 'second');
  });
});
