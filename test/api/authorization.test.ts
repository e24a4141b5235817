// Azure RBAC against a started server: Microsoft.Authorization by plain fetch (its SDK is not a
// dependency), resource calls through the official @azure/arm-compute and @azure/arm-resources
// clients. The matrix: Owner, Contributor, Reader, a custom role and no role, each held at the
// subscription, resource group, gallery, image definition or image version, against reads, writes,
// deletes and creating a version (in another subscription) from a version.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signJwt } from '../../src/core/jwt.ts';
import { findServicePrincipal } from '../../src/domain/identity/service-principals.ts';
import { armRefusal, type ArmFailure } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const API = 'api-version=2022-04-01';
const BUILT_IN = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
};
const CUSTOM_ROLE = randomUUID();
const LEVELS = ['subscription', 'resourceGroup', 'gallery', 'definition', 'version'] as const;
type Level = (typeof LEVELS)[number];
type Role = 'Owner' | 'Contributor' | 'Reader' | 'Gallery Publisher' | 'none';
/** What each role may do to what it reaches; the custom role writes versions but may not delete them (notActions). */
const MAY: Record<Role, Array<'read' | 'write' | 'delete'>> = {
  Owner: ['read', 'write', 'delete'],
  Contributor: ['read', 'write', 'delete'],
  Reader: ['read'],
  'Gallery Publisher': ['read', 'write'],
  none: [],
};

interface Caller {
  role: Role;
  level: Level | undefined;
  objectId: string;
  credential: ClientSecretCredential;
}

describe('role-based access control', () => {
  const publisher = randomUUID();
  const consumer = randomUUID();
  let kiln: TestServer;
  let adminId: string;
  let adminToken: string;
  const scopes = {} as Record<Level, string>;
  const callers: Caller[] = [];

  const credentialOf = (appId: string, password: string) =>
    new ClientSecretCredential(kiln.tenantId, appId, password, {
      authorityHost: kiln.url,
      disableInstanceDiscovery: true,
    });
  const tokenOf = async (credential: ClientSecretCredential) =>
    (await credential.getToken('https://management.azure.com/.default'))!.token;
  const arm = async (
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const url = path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}${API}`;
    const response = await fetch(`${kiln.url}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const assign = (token: string, scope: string, roleId: string, principalId: string) =>
    arm(token, 'PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, {
      properties: {
        roleDefinitionId: `/subscriptions/${publisher}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
        principalId,
        principalType: 'ServicePrincipal',
      },
    });
  const computeFor = (credential: ClientSecretCredential, subscription = publisher) =>
    new ComputeManagementClient(credential, subscription, { endpoint: kiln.url });
  const fast = { updateIntervalInMs: 50 };

  before(async () => {
    kiln = await startTestServer({
      config: {
        subscriptions: [
          { id: publisher, displayName: 'Publisher' },
          { id: consumer, displayName: 'Consumer' },
        ],
      },
      lroWaitMs: 200,
    });
    adminId = (await findServicePrincipal(kiln.server.kiln.store, kiln.admin.appId))!.objectId;
    adminToken = await tokenOf(kiln.credential);
    const resources = (subscription: string) =>
      new ResourceManagementClient(kiln.credential, subscription, { endpoint: kiln.url });
    const compute = computeFor(kiln.credential);
    await resources(publisher).resourceGroups.createOrUpdate('pub', { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/rbac.vhd', makeVhd(1, 'rbac'));
    const image = await compute.images.beginCreateOrUpdateAndWait(
      'pub',
      'base',
      { location: 'westus', storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } } },
      fast,
    );
    await compute.galleries.beginCreateOrUpdateAndWait('pub', 'g', { location: 'westus' }, fast);
    const definition = {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'rbac', sku: '1' },
    } as const;
    await compute.galleryImages.beginCreateOrUpdateAndWait('pub', 'g', 'def', definition, fast);
    for (const version of ['1.0.0', '1.0.1']) {
      await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        'pub',
        'g',
        'def',
        version,
        { location: 'westus', storageProfile: { source: { id: image.id } } },
        fast,
      );
    }
    const rg = `/subscriptions/${publisher}/resourceGroups/pub`;
    Object.assign(scopes, {
      subscription: `/subscriptions/${publisher}`,
      resourceGroup: rg,
      gallery: `${rg}/providers/Microsoft.Compute/galleries/g`,
      definition: `${rg}/providers/Microsoft.Compute/galleries/g/images/def`,
      version: `${rg}/providers/Microsoft.Compute/galleries/g/images/def/versions/1.0.0`,
    });

    await resources(consumer).resourceGroups.createOrUpdate('consumer', { location: 'westus' });
    const consumerCompute = computeFor(kiln.credential, consumer);
    await consumerCompute.galleries.beginCreateOrUpdateAndWait('consumer', 'cg', { location: 'westus' }, fast);
    await consumerCompute.galleryImages.beginCreateOrUpdateAndWait(
      'consumer',
      'cg',
      'cdef',
      { ...definition, identifier: { publisher: 'consumer', offer: 'rbac', sku: '1' } },
      fast,
    );

    const custom = await arm(
      adminToken,
      'PUT',
      `/subscriptions/${publisher}/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM_ROLE}`,
      {
        properties: {
          roleName: 'Gallery Publisher',
          type: 'CustomRole',
          description: 'Publishes gallery image versions, never deletes them.',
          assignableScopes: [`/subscriptions/${publisher}`],
          permissions: [
            {
              actions: ['Microsoft.Compute/galleries/read', 'Microsoft.Compute/galleries/images/*'],
              notActions: ['Microsoft.Compute/galleries/images/versions/delete'],
            },
          ],
        },
      },
    );
    assert.equal(custom.status, 201, JSON.stringify(custom.body));

    // Each caller made as `kiln sp create --role R --scopes S` does; all may write in the consumer's group.
    const make = async (role: Role, level?: Level) => {
      const access = level && role !== 'none' ? { role, scopes: [scopes[level]] } : undefined;
      const created = await kiln.server.kiln.createServicePrincipal(`${role} at ${level ?? 'nothing'}`, access);
      const granted = await assign(
        adminToken,
        `/subscriptions/${consumer}/resourceGroups/consumer`,
        BUILT_IN.Contributor,
        created.objectId,
      );
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
      callers.push({
        role,
        level,
        objectId: created.objectId,
        credential: credentialOf(created.appId, created.password),
      });
    };
    for (const role of ['Owner', 'Contributor', 'Reader', 'Gallery Publisher'] as const)
      for (const level of LEVELS) await make(role, level);
    await make('none');
  });
  after(() => kiln.stop());

  /** Whether a grant at `level` reaches `target` (a level, or `sibling`: the other version of the definition). */
  const reaches = (level: Level | undefined, target: Level | 'sibling') =>
    level !== undefined &&
    LEVELS.indexOf(level) <= (target === 'sibling' ? LEVELS.indexOf('definition') : LEVELS.indexOf(target));
  const denied = (caller: Caller, action: string, scope: string) => (error: ArmFailure) => {
    armRefusal(403, 'AuthorizationFailed')(error);
    assert.equal(
      error.message,
      `The client '${caller.objectId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    return true;
  };

  it('gives every principal exactly the access of its role at its scope, inherited down the tree', async () => {
    let next = 0;
    for (const caller of callers) {
      const compute = computeFor(caller.credential);
      const may = (verb: 'read' | 'write' | 'delete', target: Level | 'sibling') =>
        MAY[caller.role].includes(verb) && reaches(caller.level, target);
      const cell = `${caller.role} at ${caller.level ?? 'nothing'}`;
      const check = async (
        allowed: boolean,
        call: () => Promise<unknown>,
        action: string,
        scope: string,
        what: string,
      ) => {
        if (allowed) await assert.doesNotReject(call(), `${cell} should ${what}`);
        else await assert.rejects(call(), denied(caller, action, scope), `${cell} should not ${what}`);
      };
      await check(
        may('read', 'gallery'),
        () => compute.galleries.get('pub', 'g'),
        'Microsoft.Compute/galleries/read',
        scopes.gallery,
        'read the gallery',
      );
      await check(
        may('read', 'definition'),
        () => compute.galleryImages.get('pub', 'g', 'def'),
        'Microsoft.Compute/galleries/images/read',
        scopes.definition,
        'read the definition',
      );
      await check(
        may('read', 'version'),
        () => compute.galleryImageVersions.get('pub', 'g', 'def', '1.0.0'),
        'Microsoft.Compute/galleries/images/versions/read',
        scopes.version,
        'read the version',
      );
      await check(
        may('read', 'sibling'),
        () => compute.galleryImageVersions.get('pub', 'g', 'def', '1.0.1'),
        'Microsoft.Compute/galleries/images/versions/read',
        `${scopes.definition}/versions/1.0.1`,
        'read the other version',
      );
      await check(
        may('write', 'version'),
        () => compute.galleryImageVersions.beginUpdateAndWait('pub', 'g', 'def', '1.0.0', { tags: { by: cell } }, fast),
        'Microsoft.Compute/galleries/images/versions/write',
        scopes.version,
        'tag the version',
      );

      // An If-Match that cannot hold keeps the shared version: a delete past the access check answers 412.
      const deletion = await arm(
        await tokenOf(caller.credential),
        'DELETE',
        `${scopes.version}?api-version=2024-03-03`,
        undefined,
        { 'if-match': '"no-such-etag"' },
      );
      assert.equal(
        deletion.status,
        may('delete', 'version') ? 412 : 403,
        `${cell} delete: ${JSON.stringify(deletion.body)}`,
      );
      if (deletion.status === 403) assert.equal(deletion.body.error.code, 'AuthorizationFailed');

      // Read on the source version is all it takes to build on it in a subscription the caller can write to.
      const target = `1.0.${next++}`;
      const createFrom = () =>
        computeFor(caller.credential, consumer).galleryImageVersions.beginCreateOrUpdateAndWait(
          'consumer',
          'cg',
          'cdef',
          target,
          { location: 'westus', storageProfile: { source: { id: scopes.version } } },
          fast,
        );
      if (may('read', 'version')) {
        const made = await createFrom();
        assert.equal(made.provisioningState, 'Succeeded', `${cell} should create from the version`);
      } else {
        await assert.rejects(
          createFrom(),
          (error: ArmFailure) => {
            armRefusal(403, 'LinkedAuthorizationFailed')(error);
            assert.match(
              error.message,
              new RegExp(
                `does not have permission to perform action 'Microsoft.Compute/galleries/images/versions/read' on the linked scope\\(s\\) '${scopes.version}'`,
              ),
            );
            return true;
          },
          `${cell} should not create from the version`,
        );
      }
    }
  });

  it('answers 401 to missing, expired, wrongly signed and wrong-audience tokens', async () => {
    const path = `/subscriptions/${publisher}/resourcegroups?api-version=2021-04-01`;
    const missing = await arm(undefined, 'GET', path);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'AuthenticationFailed');

    const claims = JSON.parse(Buffer.from(adminToken.split('.')[1], 'base64url').toString());
    const key = kiln.server.kiln.keys.current();
    const expired = await arm(
      signJwt(
        { ...claims, iat: claims.iat - 7200, nbf: claims.nbf - 7200, exp: claims.iat - 3600 },
        key.privateKey,
        key.kid,
      ),
      'GET',
      path,
    );
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'ExpiredAuthenticationToken');

    const forged = await arm(
      signJwt(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, key.kid),
      'GET',
      path,
    );
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'InvalidAuthenticationToken');

    const storage = (await kiln.credential.getToken('https://storage.azure.com/.default'))!.token;
    const audience = await arm(storage, 'GET', path);
    assert.equal(audience.status, 401);
    assert.equal(audience.body.error.code, 'InvalidAuthenticationTokenAudience');
  });

  it('lists only what the caller can read, and the subscriptions where it has access', async () => {
    const at = (role: Role, level?: Level) => callers.find((c) => c.role === role && c.level === level)!;
    const names = async (items: AsyncIterable<{ name?: string; subscriptionId?: string }>) => {
      const found = [];
      for await (const item of items) found.push(item.name ?? item.subscriptionId);
      return found.sort();
    };
    assert.deepEqual(await names(computeFor(at('Reader', 'gallery').credential).galleries.list()), ['g']);
    assert.deepEqual(await names(computeFor(at('Reader', 'version').credential).galleries.list()), []);
    assert.deepEqual(
      await names(
        computeFor(at('Reader', 'version').credential).galleryImageVersions.listByGalleryImage('pub', 'g', 'def'),
      ),
      ['1.0.0'],
    );
    const none = await arm(
      await tokenOf(at('none').credential),
      'GET',
      `/subscriptions/${publisher}/providers/Microsoft.Compute/galleries?api-version=2024-03-03`,
    );
    assert.equal(none.status, 403);
    denied(
      at('none'),
      'Microsoft.Compute/galleries/read',
      `/subscriptions/${publisher}`,
    )({ statusCode: none.status, ...none.body.error });

    const subscriptions = async (caller: Caller) =>
      (
        (await arm(await tokenOf(caller.credential), 'GET', '/subscriptions?api-version=2022-12-01')).body
          .value as Array<{ subscriptionId: string }>
      )
        .map((s) => s.subscriptionId)
        .sort();
    assert.deepEqual(await subscriptions(at('none')), [consumer]);
    assert.deepEqual(await subscriptions(at('Reader', 'version')), [publisher, consumer].sort());
    const groups = await new ResourceManagementClient(at('Reader', 'gallery').credential, publisher, {
      endpoint: kiln.url,
    }).resourceGroups
      .get('pub')
      .catch((e: ArmFailure) => e);
    assert.equal((groups as ArmFailure).statusCode, 403, 'a gallery Reader does not read its resource group');
  });

  it('serves role definitions: built-ins by name as az asks, custom roles by PUT, in use or taken names refused', async () => {
    const base = `/subscriptions/${publisher}/providers/Microsoft.Authorization/roleDefinitions`;
    const contributor = await arm(
      adminToken,
      'GET',
      `${base}?$filter=${encodeURIComponent("roleName eq 'Contributor'")}`,
    );
    assert.equal(contributor.status, 200);
    assert.deepEqual(
      contributor.body.value.map((r: { id: string }) => r.id),
      [`${base}/${BUILT_IN.Contributor}`],
    );
    assert.ok(
      contributor.body.value[0].properties.permissions[0].notActions.includes('Microsoft.Authorization/*/Write'),
    );
    const blobReader = await arm(
      adminToken,
      'GET',
      `/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
    );
    assert.deepEqual(blobReader.body.properties.permissions[0].dataActions, [
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ]);
    // Older clients' api-versions.
    assert.equal(
      (await arm(adminToken, 'GET', `${base}/${BUILT_IN.Reader}?api-version=2015-07-01`)).body.properties.roleName,
      'Reader',
    );
    assert.equal(
      (
        await arm(
          adminToken,
          'GET',
          `/subscriptions/${publisher}/providers/Microsoft.Authorization/roleAssignments?api-version=2018-01-01-preview`,
        )
      ).status,
      200,
    );
    const custom = await arm(adminToken, 'GET', `${base}?$filter=${encodeURIComponent("type eq 'CustomRole'")}`);
    assert.deepEqual(
      custom.body.value.map((r: { properties: { roleName: string } }) => r.properties.roleName),
      ['Gallery Publisher'],
    );

    const clash = await arm(adminToken, 'PUT', `${base}/${randomUUID()}`, {
      properties: {
        roleName: 'reader',
        assignableScopes: [`/subscriptions/${publisher}`],
        permissions: [{ actions: ['*/read'] }],
      },
    });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'RoleDefinitionWithSameNameExists');
    const inUse = await arm(adminToken, 'DELETE', `${base}/${CUSTOM_ROLE}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.error.code, 'RoleDefinitionHasAssignments');
    const bad = await arm(adminToken, 'PUT', `${base}/${randomUUID()}`, {
      properties: { roleName: 'Nothing', assignableScopes: [], permissions: [{ notActions: ['*'] }] },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { target: string }) => d.target).sort(), [
      'properties.assignableScopes',
      'properties.permissions[0]',
    ]);
  });

  it('lets an Owner of a scope grant access there, but not a Contributor, and lists assignments as az filters them', async () => {
    const owner = callers.find((c) => c.role === 'Owner' && c.level === 'gallery')!;
    const contributor = callers.find((c) => c.role === 'Contributor' && c.level === 'gallery')!;
    const reader = callers.find((c) => c.role === 'Reader' && c.level === 'version')!;
    const refused = await assign(
      await tokenOf(contributor.credential),
      scopes.definition,
      BUILT_IN.Reader,
      reader.objectId,
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'AuthorizationFailed');
    assert.match(
      refused.body.error.message,
      /'Microsoft\.Authorization\/roleAssignments\/write' over scope '.*\/images\/def\/providers\/Microsoft\.Authorization\/roleAssignments\//,
    );

    const ownerToken = await tokenOf(owner.credential);
    const granted = await assign(ownerToken, scopes.definition, BUILT_IN.Reader, reader.objectId);
    assert.equal(granted.status, 201);
    assert.equal(granted.body.properties.scope, scopes.definition);
    assert.equal(
      (await computeFor(reader.credential).galleryImageVersions.get('pub', 'g', 'def', '1.0.1')).name,
      '1.0.1',
    );
    const twice = await assign(ownerToken, scopes.definition, BUILT_IN.Reader, reader.objectId);
    assert.equal(twice.body.error.code, 'RoleAssignmentExists');

    const list = async (scope: string, filter: string) =>
      (
        await arm(
          ownerToken,
          'GET',
          `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(filter)}`,
        )
      ).body.value.map((a: { properties: { scope: string } }) => a.properties.scope);
    assert.deepEqual(await list(scopes.version, `principalId eq '${reader.objectId}'`), [
      scopes.version,
      scopes.definition,
    ]);
    assert.deepEqual(await list(scopes.version, `atScope() and assignedTo('${reader.objectId}')`), [
      scopes.version,
      scopes.definition,
    ]);
    assert.deepEqual(await list(scopes.gallery, `atScope() and principalId eq '${reader.objectId}'`), []);

    const removed = await arm(ownerToken, 'DELETE', granted.body.id);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.name, granted.body.name);
    await assert.rejects(
      computeFor(reader.credential).galleryImageVersions.get('pub', 'g', 'def', '1.0.1'),
      armRefusal(403, 'AuthorizationFailed'),
    );
    assert.equal((await arm(ownerToken, 'DELETE', granted.body.id)).status, 204);

    const stranger = await assign(adminToken, scopes.gallery, BUILT_IN.Reader, randomUUID());
    assert.equal(stranger.body.error.code, 'PrincipalNotFound');
  });

  it('makes the administrator Owner and Storage Blob Data Contributor of every subscription, and refuses an unknown role before creating a principal', async () => {
    for (const subscription of [publisher, consumer]) {
      const owners = await arm(
        adminToken,
        'GET',
        `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${adminId}'`)}`,
      );
      assert.deepEqual(
        owners.body.value.map((a: { properties: { roleDefinitionId: string; scope: string } }) => [
          a.properties.scope,
          a.properties.roleDefinitionId,
        ]),
        [
          [
            `/subscriptions/${subscription}`,
            `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN.Owner}`,
          ],
          [
            `/subscriptions/${subscription}`,
            `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN['Storage Blob Data Contributor']}`,
          ],
        ],
      );
    }
    await assert.rejects(
      kiln.server.kiln.createServicePrincipal('typo', { role: 'Contibutor', scopes: [scopes.gallery] }),
      /no role named 'Contibutor'/,
    );
  });
});
