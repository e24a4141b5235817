// Attacks on Azure RBAC through the ARM API, each performed against a started server by a principal
// holding a real token, and the legitimate path beside it:
//  - an Owner of one resource group rewrites (or deletes) a custom role assigned at the subscription;
//  - a Contributor with no Storage Blob Data role makes a disk, image or version from a private blob;
//  - a subscription Contributor deletes the `kiln-storage` group that blob role assignments hang under;
//  - a principal who knows an operation's id polls it without access to its resource.
import { ClientSecretCredential } from '@azure/identity';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newResourceGroup } from '../../src/domain/resource-groups/resource-group.ts';
import { resourceRecord } from '../../src/domain/shared/arm-resource.ts';
import { ROLE_DEFINITION_KIND } from '../../src/domain/authorization/records.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ROLES = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
};
const DISKS = 'api-version=2022-07-02';
const IMAGES = 'api-version=2022-11-01';
const GALLERIES = 'api-version=2022-03-03';
const GROUPS = 'api-version=2021-04-01';
const AUTHORIZATION = 'api-version=2022-04-01';

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

describe('ARM authorization holds against escalation', () => {
  let kiln: TestServer;
  let sub: string;
  const token: Record<string, string> = {};
  const objectId: Record<string, string> = {};
  const group = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;
  const account = () => `${group('kiln-storage')}/providers/Microsoft.Storage/storageAccounts/westus`;
  const container = (name: string) => `${account()}/blobServices/default/containers/${name}`;

  const call = async (who: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(path.startsWith('https:') ? path : `${kiln.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  /** A long-running PUT or DELETE followed to its end by polling its own URL as `who`. */
  const finish = async (who: string, started: Answer): Promise<Answer> => {
    const poll = started.headers.get('azure-asyncoperation') ?? started.headers.get('location');
    if (poll === null) return started;
    for (;;) {
      const status = await call(who, 'GET', poll);
      if (status.status !== 202 && status.body?.status !== 'InProgress') return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const assign = async (scope: string, role: string, principal: string) => {
    const made = await call(
      'admin',
      'PUT',
      `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${AUTHORIZATION}`,
      {
        properties: {
          roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          principalId: principal,
        },
      },
    );
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.id as string;
  };
  const refusal = (answer: Answer, status: number, code: string) => {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, code, answer.body.error.message);
    return answer.body.error.message as string;
  };

  before(async () => {
    // lroWaitMs 0: every long-running call answers with its polling URLs at once.
    kiln = await startTestServer({ lroWaitMs: 0 });
    sub = kiln.subscriptionId;
    token.admin = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const principal = async (name: string, role?: string, scope?: string) => {
      const made = await kiln.server.kiln.createServicePrincipal(name, role ? { role, scopes: [scope!] } : undefined);
      const credential = new ClientSecretCredential(made.tenant, made.appId, made.password, {
        authorityHost: kiln.url,
        disableInstanceDiscovery: true,
      });
      token[name] = (await credential.getToken('https://management.azure.com/.default'))!.token;
      objectId[name] = made.objectId;
    };
    for (const name of ['alpha', 'beta', 'gamma'])
      assert.equal((await call('admin', 'PUT', `${group(name)}?${GROUPS}`, { location: 'westus' })).status, 201);
    await principal('groupOwner', 'Owner', group('alpha'));
    await principal('gammaOwner', 'Owner', group('gamma'));
    await principal('subOwner', 'Owner', `/subscriptions/${sub}`);
    await principal('contributor', 'Contributor', `/subscriptions/${sub}`);
    await principal('blobReader', 'Contributor', group('alpha'));
    await assign(container('private-vhds'), ROLES['Storage Blob Data Reader'], objectId.blobReader);
    await principal('outsider', 'Reader', group('alpha'));
  });
  after(() => kiln.stop());

  describe('custom role definitions', () => {
    const viewer = randomUUID();
    const definition = (assignableScopes: string[], actions: string[]) => ({
      properties: {
        roleName: 'Disk Viewer',
        type: 'CustomRole',
        description: 'Reads disks.',
        assignableScopes,
        permissions: [{ actions }],
      },
    });
    const definitionPath = (scope: string, name = viewer) =>
      `${scope}/providers/Microsoft.Authorization/roleDefinitions/${name}?${AUTHORIZATION}`;

    before(async () => {
      // The group Owner also holds a harmless custom role at the subscription: the role it attacks.
      assert.equal(
        (
          await call(
            'admin',
            'PUT',
            definitionPath(`/subscriptions/${sub}`),
            definition([`/subscriptions/${sub}`], ['Microsoft.Compute/disks/read']),
          )
        ).status,
        201,
      );
      await assign(`/subscriptions/${sub}`, viewer, objectId.groupOwner);
    });

    it('refuses a group Owner that widens a role assigned at the subscription by narrowing its assignable scopes', async () => {
      const attack = await call(
        'groupOwner',
        'PUT',
        definitionPath(group('alpha')),
        definition([group('alpha')], ['*']),
      );
      const message = refusal(attack, 403, 'AuthorizationFailed');
      assert.match(
        message,
        new RegExp(`'Microsoft.Authorization/roleDefinitions/write' over scope '/subscriptions/${sub}'`),
      );
      const stored = await call('admin', 'GET', definitionPath(`/subscriptions/${sub}`));
      assert.deepEqual(stored.body.properties.permissions[0].actions, ['Microsoft.Compute/disks/read']);
      // Still no more than Owner of its group: the subscription's groups stay closed to it.
      refusal(
        await call('groupOwner', 'PUT', `${group('delta')}?${GROUPS}`, { location: 'westus' }),
        403,
        'AuthorizationFailed',
      );
      refusal(await call('groupOwner', 'DELETE', `${group('beta')}?${GROUPS}`), 403, 'AuthorizationFailed');
    });

    it('refuses a group Owner that deletes a role assignable at the subscription', async () => {
      const unused = randomUUID();
      const spare = {
        properties: {
          roleName: 'Spare',
          assignableScopes: [`/subscriptions/${sub}`],
          permissions: [{ actions: ['*/read'] }],
        },
      };
      assert.equal((await call('admin', 'PUT', definitionPath(`/subscriptions/${sub}`, unused), spare)).status, 201);
      const message = refusal(
        await call('groupOwner', 'DELETE', definitionPath(group('alpha'), unused)),
        403,
        'AuthorizationFailed',
      );
      assert.match(message, /'Microsoft\.Authorization\/roleDefinitions\/delete'/);
      assert.equal((await call('admin', 'GET', definitionPath(`/subscriptions/${sub}`, unused))).status, 200);
      assert.equal((await call('subOwner', 'DELETE', definitionPath(`/subscriptions/${sub}`, unused))).status, 200);
    });

    it('lets a subscription Owner update the role, but not strand its assignments or delete it in use', async () => {
      const updated = await call(
        'subOwner',
        'PUT',
        definitionPath(`/subscriptions/${sub}`),
        definition([`/subscriptions/${sub}`], ['Microsoft.Compute/disks/read', 'Microsoft.Compute/snapshots/read']),
      );
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.properties.updatedBy, objectId.subOwner);

      const narrowed = refusal(
        await call('subOwner', 'PUT', definitionPath(`/subscriptions/${sub}`), definition([group('alpha')], ['*'])),
        409,
        'RoleScopeBeingRemovedContainsAssignments',
      );
      assert.match(
        narrowed,
        new RegExp(`Role assignments found under scope '/subscriptions/${sub}' which is being removed`),
      );
      refusal(
        await call('subOwner', 'DELETE', definitionPath(`/subscriptions/${sub}`)),
        409,
        'RoleDefinitionHasAssignments',
      );
    });

    it('grants nothing through an assignment left outside its role’s assignable scopes', async () => {
      // As a role narrowed before this check existed would be: the assignment at the subscription stays.
      const record = await kiln.server.kiln.store.get<Record<string, unknown>>(
        `/providers/microsoft.authorization/roledefinitions/${viewer}`,
      );
      await kiln.server.kiln.store.apply([
        {
          op: 'put',
          record: {
            key: record!.key,
            kind: ROLE_DEFINITION_KIND,
            subscription: '',
            resourceGroup: null,
            parent: null,
            data: {
              ...record!.data,
              assignableScopes: [group('alpha')],
              permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
            },
          },
        },
      ]);
      refusal(await call('groupOwner', 'GET', `${group('beta')}?${GROUPS}`), 403, 'AuthorizationFailed');
      assert.equal((await call('groupOwner', 'GET', `${group('alpha')}?${GROUPS}`)).status, 200);
    });
  });

  describe('Kiln blob URLs in request bodies', () => {
    let secret: string;
    const importDisk = (who: string, name: string, sourceUri: string, more: Record<string, unknown> = {}) =>
      call(who, 'PUT', `${group('alpha')}/providers/Microsoft.Compute/disks/${name}?${DISKS}`, {
        location: 'westus',
        ...more,
        properties: { osType: 'Linux', creationData: { createOption: 'Import', sourceUri } },
      });

    before(async () => {
      secret = await putRegionBlob(kiln, 'westus', 'private-vhds/secret.vhd', makeVhd(1, 'secret'));
      const gallery = await finish(
        'admin',
        await call('admin', 'PUT', `${group('alpha')}/providers/Microsoft.Compute/galleries/g?${GALLERIES}`, {
          location: 'westus',
        }),
      );
      assert.ok(gallery.status < 300, JSON.stringify(gallery.body));
      const definition = {
        location: 'westus',
        properties: {
          osType: 'Linux',
          osState: 'Generalized',
          identifier: { publisher: 'kiln', offer: 'sec', sku: '1' },
        },
      };
      const made = await finish(
        'admin',
        await call(
          'admin',
          'PUT',
          `${group('alpha')}/providers/Microsoft.Compute/galleries/g/images/def?${GALLERIES}`,
          definition,
        ),
      );
      assert.ok(made.status < 300, JSON.stringify(made.body));
    });

    it('refuses a Contributor without a blob data role a disk, image or version made from a private blob', async () => {
      const message = refusal(await importDisk('contributor', 'stolen', secret), 403, 'LinkedAuthorizationFailed');
      assert.ok(
        message.includes(
          `'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read' on the linked scope(s) '${secret}'`,
        ),
        message,
      );
      assert.ok(message.includes(container('private-vhds')), message);
      assert.equal(
        (await call('admin', 'GET', `${group('alpha')}/providers/Microsoft.Compute/disks/stolen?${DISKS}`)).status,
        404,
      );

      const image = {
        location: 'westus',
        properties: { storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: secret } } },
      };
      refusal(
        await call(
          'contributor',
          'PUT',
          `${group('alpha')}/providers/Microsoft.Compute/images/stolen?${IMAGES}`,
          image,
        ),
        403,
        'LinkedAuthorizationFailed',
      );
      const dataDisk = {
        location: 'westus',
        properties: { storageProfile: { dataDisks: [{ lun: 0, blobUri: secret }] } },
      };
      refusal(
        await call(
          'contributor',
          'PUT',
          `${group('alpha')}/providers/Microsoft.Compute/images/stolen2?${IMAGES}`,
          dataDisk,
        ),
        403,
        'LinkedAuthorizationFailed',
      );
      const version = {
        location: 'westus',
        properties: { storageProfile: { osDiskImage: { source: { uri: secret } } } },
      };
      refusal(
        await call(
          'contributor',
          'PUT',
          `${group('alpha')}/providers/Microsoft.Compute/galleries/g/images/def/versions/1.0.0?${GALLERIES}`,
          version,
        ),
        403,
        'LinkedAuthorizationFailed',
      );
      // Any field: a blob URL the server does not resolve today is checked all the same.
      refusal(
        await importDisk('contributor', 'tagged', secret, { tags: { copyOf: secret } }),
        403,
        'LinkedAuthorizationFailed',
      );
      // A forged SAS is no way around it, and the refusal does not echo the signature.
      const forged = refusal(
        await importDisk(
          'contributor',
          'stolen',
          `${secret}?sv=2022-11-02&sr=b&sp=r&se=2099-01-01T00:00:00Z&si=x&sig=AAAA`,
        ),
        403,
        'LinkedAuthorizationFailed',
      );
      assert.ok(!forged.includes('sig='), forged);
    });

    it('lets a Storage Blob Data Reader of the container, and the holder of a read SAS, import', async () => {
      const imported = await finish('blobReader', await importDisk('blobReader', 'mine', secret));
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
      assert.equal(imported.body.status, 'Succeeded');

      const access = await call(
        'admin',
        'POST',
        `${group('alpha')}/providers/Microsoft.Compute/disks/mine/beginGetAccess?${DISKS}`,
        { access: 'Read', durationInSeconds: 600 },
      );
      const sas = access.body.accessSAS as string;
      const copied = await finish('contributor', await importDisk('contributor', 'copy', sas));
      assert.equal(copied.body.status, 'Succeeded', JSON.stringify(copied.body));
    });
  });

  describe('the kiln-storage resource group', () => {
    const assignmentsUnder = async () =>
      (
        await call('admin', 'GET', `${account()}/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION}`)
      ).body.value.map((a: { id: string }) => a.id);

    it('cannot be created, by a Contributor or the administrator', async () => {
      for (const name of ['kiln-storage', 'KILN-Storage']) {
        const message = refusal(
          await call('contributor', 'PUT', `${group(name)}?${GROUPS}`, { location: 'westus' }),
          400,
          'ReservedResourceName',
        );
        assert.match(message, /reserved for Kiln/);
      }
      refusal(
        await call('admin', 'PUT', `${group('kiln-storage')}?${GROUPS}`, { location: 'westus' }),
        400,
        'ReservedResourceName',
      );
    });

    it('made before it was reserved, can be neither changed nor deleted, and its role assignments stay', async () => {
      await kiln.server.kiln.store.apply([
        { op: 'put', record: resourceRecord(newResourceGroup(sub, 'kiln-storage', 'westus'), {}) },
      ]);
      const before = await assignmentsUnder();
      assert.ok(
        before.some((id: string) => id.startsWith(container('private-vhds'))),
        JSON.stringify(before),
      );

      refusal(await call('contributor', 'DELETE', `${group('kiln-storage')}?${GROUPS}`), 400, 'ReservedResourceName');
      refusal(await call('admin', 'DELETE', `${group('kiln-storage')}?${GROUPS}`), 400, 'ReservedResourceName');
      refusal(
        await call('contributor', 'PATCH', `${group('kiln-storage')}?${GROUPS}`, { tags: { a: 'b' } }),
        400,
        'ReservedResourceName',
      );
      refusal(
        await call('contributor', 'PUT', `${group('kiln-storage')}?${GROUPS}`, { location: 'westus' }),
        400,
        'ReservedResourceName',
      );
      assert.equal((await call('contributor', 'GET', `${group('kiln-storage')}?${GROUPS}`)).status, 200);
      assert.deepEqual(await assignmentsUnder(), before);
    });
  });

  describe('operation polling', () => {
    it('answers an operation only to who may read its resource', async () => {
      const source = await putRegionBlob(kiln, 'westus', 'vhds/tagged.vhd', makeVhd(1, 'tagged'));
      const started = await call('admin', 'PUT', `${group('beta')}/providers/Microsoft.Compute/disks/tagged?${DISKS}`, {
        location: 'westus',
        tags: { secret: 'tag-value' },
        properties: { osType: 'Linux', creationData: { createOption: 'Import', sourceUri: source } },
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const status = started.headers.get('azure-asyncoperation')!;
      const result = started.headers.get('location')!;
      assert.equal((await finish('admin', started)).body.status, 'Succeeded');

      const disk = `${group('beta')}/providers/Microsoft.Compute/disks/tagged`;
      for (const url of [status, result]) {
        const refused = await call('outsider', 'GET', url);
        const message = refusal(refused, 403, 'AuthorizationFailed');
        assert.ok(message.includes(`'Microsoft.Compute/disks/read' over scope '${disk}'`), message);
        assert.ok(!JSON.stringify(refused.body).includes('tag-value'));
      }
      // A reader of the disk (here a subscription Contributor) polls as its starter does.
      assert.equal((await call('contributor', 'GET', status)).body.status, 'Succeeded');
      assert.equal((await call('contributor', 'GET', result)).body.tags.secret, 'tag-value');
    });

    it('lets the Owner of a group poll the delete of its group to the end, its own assignment gone', async () => {
      const started = await call('gammaOwner', 'DELETE', `${group('gamma')}?${GROUPS}`);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const location = started.headers.get('location')!;
      const name = new URL(location).pathname.split('/').at(-1);
      refusal(await call('outsider', 'GET', location), 403, 'AuthorizationFailed');
      refusal(
        await call(
          'outsider',
          'GET',
          `/subscriptions/${sub}/providers/Microsoft.Compute/locations/westus/operations/${name}?${DISKS}`,
        ),
        403,
        'AuthorizationFailed',
      );
      assert.equal((await finish('gammaOwner', started)).status, 200, 'done: 200, as a group delete is specified');
      refusal(await call('gammaOwner', 'GET', `${group('alpha')}?${GROUPS}`), 403, 'AuthorizationFailed');
      assert.equal((await call('admin', 'GET', `${group('gamma')}?${GROUPS}`)).status, 404);
    });
  });
});
