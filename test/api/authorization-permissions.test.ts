// Microsoft.Authorization `permissions` against a started server (Permissions - List For Resource
// Group, List For Resource, and at a subscription as the Azure portal asks): the caller's own
// permission blocks of every role assignment that applies at the scope, inherited ones included and
// nothing from below or beside it; open to every signed-in caller (a caller with no role is answered
// an empty list, not 403); an unknown subscription 404; the change of an assignment holds at once;
// every api-version of Kiln's Microsoft.Authorization routes taken; the type listed by its provider.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { armCaller, newPrincipal, type ArmCall } from '../support/arm-call.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const API = 'api-version=2022-04-01';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const READER_BLOCK = { actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] };
const OWNER_BLOCK = { actions: ['*'], notActions: [], dataActions: [], notDataActions: [] };
const CURATOR_BLOCK = {
  actions: ['Microsoft.Compute/galleries/images/*'],
  notActions: ['Microsoft.Compute/galleries/images/delete'],
  dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'],
  notDataActions: [],
};

describe('the caller’s permissions at a scope', () => {
  let kiln: TestServer;
  let adminToken: string;
  let sub: string;
  let group: string;
  let gallery: string;
  const curator = { token: '', assignment: '' };
  let nobodyToken: string;
  let call: ArmCall;
  const permissionsAt = async (token: string, scope: string, query = API) => {
    const answer = await call(token, 'GET', `${scope}/providers/Microsoft.Authorization/permissions?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.value as unknown[];
  };
  const assign = async (scope: string, role: string, principalId: string) => {
    const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    const made = await call(adminToken, 'PUT', id, {
      properties: {
        roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
        principalId,
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return id;
  };

  before(async () => {
    kiln = await startTestServer();
    call = armCaller(kiln, '2022-04-01');
    sub = `/subscriptions/${kiln.subscriptionId}`;
    group = `${sub}/resourceGroups/perm`;
    gallery = `${group}/providers/Microsoft.Compute/galleries/shelf`;
    adminToken = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const put = async (path: string, body: unknown, version: string) =>
      assert.ok((await call(adminToken, 'PUT', `${path}?api-version=${version}`, body)).status < 300);
    await put(group, { location: 'westus' }, '2022-09-01');
    await put(`${sub}/resourceGroups/other`, { location: 'westus' }, '2022-09-01');
    await put(gallery, { location: 'westus' }, '2025-03-03');

    const curatorRole = randomUUID();
    const role = await call(
      adminToken,
      'PUT',
      `${sub}/providers/Microsoft.Authorization/roleDefinitions/${curatorRole}`,
      {
        properties: { roleName: 'Image Curator', assignableScopes: [sub], permissions: [CURATOR_BLOCK] },
      },
    );
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const made = await newPrincipal(kiln, 'curator');
    curator.token = made.token;
    curator.assignment = await assign(group, READER, made.objectId);
    await assign(gallery, curatorRole, made.objectId);
    nobodyToken = (await newPrincipal(kiln, 'nobody')).token;
  });
  after(async () => {
    await kiln?.stop();
  });

  it('lists the blocks of every assignment at or above the scope, in Azure’s shape', async () => {
    assert.deepEqual(await permissionsAt(curator.token, sub), [], 'nothing is held at the subscription');
    assert.deepEqual(await permissionsAt(curator.token, group), [READER_BLOCK]);
    // Azure's own spelling of the path (`resourcegroups`), and a resource below the group.
    assert.deepEqual(await permissionsAt(curator.token, group.replace('resourceGroups', 'resourcegroups')), [
      READER_BLOCK,
    ]);
    const atGallery = await permissionsAt(curator.token, gallery);
    assert.equal(atGallery.length, 2);
    assert.deepEqual(new Set(atGallery), new Set([READER_BLOCK, CURATOR_BLOCK]));
    assert.deepEqual(
      new Set(await permissionsAt(curator.token, `${gallery}/images/web/versions/1.0.0`)),
      new Set([READER_BLOCK, CURATOR_BLOCK]),
      'a child resource three levels down inherits both (it need not exist: only the caller’s own assignments are read)',
    );
    assert.deepEqual(await permissionsAt(curator.token, `${sub}/resourceGroups/other`), [], 'nothing beside it');
    const admin = await permissionsAt(adminToken, gallery);
    assert.ok(
      admin.some((p) => JSON.stringify(p) === JSON.stringify(OWNER_BLOCK)),
      'the admin holds Owner at the subscription',
    );
  });

  it('answers every signed-in caller, one with no role an empty list; an unknown subscription is 404', async () => {
    assert.deepEqual(await permissionsAt(nobodyToken, sub), []);
    assert.deepEqual(await permissionsAt(nobodyToken, gallery), []);
    const unknown = await call(
      nobodyToken,
      'GET',
      `/subscriptions/${randomUUID()}/providers/Microsoft.Authorization/permissions`,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'SubscriptionNotFound');
    const anonymous = await call(undefined, 'GET', `${group}/providers/Microsoft.Authorization/permissions`);
    assert.equal(anonymous.status, 401);
  });

  it('says what the checks allow: a removed assignment is gone from the next answer', async () => {
    const before = await call(curator.token, 'GET', `${group}?api-version=2022-09-01`);
    assert.equal(before.status, 200);
    assert.equal((await call(adminToken, 'DELETE', curator.assignment)).status, 200);
    assert.deepEqual(await permissionsAt(curator.token, group), []);
    assert.deepEqual(await permissionsAt(curator.token, gallery), [CURATOR_BLOCK]);
    assert.equal((await call(curator.token, 'GET', `${group}?api-version=2022-09-01`)).status, 403);
  });

  it('takes the api-versions of Kiln’s other Microsoft.Authorization routes and is listed by its provider', async () => {
    for (const version of ['2015-07-01', '2018-01-01-preview', '2020-04-01-preview', '2022-05-01-preview'])
      await permissionsAt(adminToken, group, `api-version=${version}`);
    const refused = await call(
      adminToken,
      'GET',
      `${group}/providers/Microsoft.Authorization/permissions?api-version=2099-01-01`,
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'NoRegisteredProviderFound');

    const provider = await call(adminToken, 'GET', `${sub}/providers/Microsoft.Authorization?api-version=2022-09-01`);
    const listed = provider.body.resourceTypes.find((t: { resourceType: string }) => t.resourceType === 'permissions');
    assert.ok(listed?.apiVersions.includes('2022-04-01'), JSON.stringify(provider.body.resourceTypes));
    const operations = await call(adminToken, 'GET', '/providers/Microsoft.Authorization/operations');
    assert.ok(
      operations.body.value.some((o: { name: string }) => o.name === 'Microsoft.Authorization/permissions/read'),
      'the operations list names the action',
    );
  });
});
