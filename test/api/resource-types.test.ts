// One descriptor per resource type (src/domain/<type>/descriptor.ts, listed in src/domain/resource-types.ts)
// is all the HTTP layer knows of a type. This checks that the list is whole and that every reference a
// descriptor declares is enforced, against a started server:
//  - every type a route serves is listed, and every listed type is served;
//  - for every reference checked by linked access, a body naming a resource of another group is
//    refused 403 LinkedAuthorizationFailed for the declared action, and the same body naming one of
//    the caller's own group is not;
//  - every reference the operation checks itself is refused by the operation.
// A descriptor without `references` does not compile (the @ts-expect-error below; `tsc` is part of the test command).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { RESOURCE_TYPES } from '../../src/domain/resource-types.ts';
import type { ResourceReference, ResourceTypeDescriptor } from '../../src/domain/shared/resource-type.ts';
import { armRoute } from '../../src/http/arm/arm-route.ts';
import { armRoutes } from '../support/arm-routes.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

// @ts-expect-error: a descriptor must declare its references, `[]` when its body names no other resource.
const undeclared: ResourceTypeDescriptor = {
  type: 'Example.Things/things',
  apiVersions: ['2024-01-01'],
  collections: [],
};

/** A body holding `id` at `field` (`a.b[].c`; a last segment ending `{}` takes it as a key). */
function bodyWith(field: string, id: string): Record<string, unknown> {
  const [head, ...rest] = field.split('.');
  if (head.endsWith('{}')) return { [head.slice(0, -2)]: { [id]: {} } };
  const inner = rest.length === 0 ? id : bodyWith(rest.join('.'), id);
  return head.endsWith('[]') ? { [head.slice(0, -2)]: [inner] } : { [head]: inner };
}

/** The action a reference needs on a resource of `Example.Namespace/things`. */
const actionFor = (reference: ResourceReference) =>
  reference.needs === 'read' ? 'Example.Namespace/things/read' : reference.needs;

/**
 * Bodies the operation checks a reference of (`checkedBy: 'operation'`) in, valid but for `scope`
 * at that reference. A new operation-checked reference needs its body here.
 */
const OPERATION_CHECKED: Record<string, (scope: string) => Record<string, unknown>> = {
  'Microsoft.Authorization/roleDefinitions properties.assignableScopes[]': (scope) => ({
    properties: {
      roleName: `Probe ${randomUUID()}`,
      assignableScopes: [scope],
      permissions: [{ actions: ['Microsoft.Compute/disks/read'] }],
    },
  }),
};

describe('resource type descriptors', () => {
  let kiln: TestServer;
  let sub: string;
  let token: string;
  const group = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;

  /** The URL of one resource of `type` in the caller's group `mine`, every name `probe`. */
  const urlOf = (type: ResourceTypeDescriptor) => {
    assert.ok(type.path, `${type.type} declares references but no path`);
    const path = type.path
      .replace('{scope}', group('mine'))
      .replace(/\{(\w+)\}/g, (_, name: string) => ({ subscription: sub, resourceGroup: 'mine' })[name] ?? 'probe');
    return `${kiln.url}${path}?api-version=${type.apiVersions.at(-1)}`;
  };
  /** PUTs `body`, with a location unless `exact` (an untracked type's own body, which has none to take). */
  const put = async (url: string, body: Record<string, unknown>, exact = false) => {
    const response = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(exact ? body : { location: 'westus', ...body }),
    });
    return {
      status: response.status,
      error: ((await response.json().catch(() => ({}))) as { error?: { code: string; message: string } }).error,
    };
  };

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    const admin = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    for (const name of ['mine', 'theirs']) {
      const made = await fetch(`${kiln.url}${group(name)}?api-version=2021-04-01`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{"location":"westus"}',
      });
      assert.equal(made.status, 201);
    }
    // Owner of its own group: every route action there, nothing in `theirs`.
    const credential = await principalCredential(kiln, 'group owner', 'Owner', group('mine'));
    token = (await credential.getToken('https://management.azure.com/.default'))!.token;
  });
  after(() => kiln.stop());

  it('lists every type a route serves, and serves every listed type', async () => {
    const served = new Set((await armRoutes(kiln)).map((route) => route.type));
    assert.deepEqual(
      [...served].filter((type) => !RESOURCE_TYPES.includes(type)),
      [],
    );
    assert.deepEqual(
      RESOURCE_TYPES.filter((type) => !served.has(type)).map((type) => type.type),
      [],
    );
    // A route for an unlisted type is refused when it is declared, so no server starts with one.
    const app = Fastify({ exposeHeadRoutes: false });
    assert.throws(
      () => armRoute(app, 'GET', '/things', { ...undeclared, references: [] }, async () => ({})),
      /not listed in src\/domain\/resource-types\.ts/,
    );
    await app.close();
  });

  for (const type of RESOURCE_TYPES) {
    for (const reference of type.references.filter((r) => r.checkedBy === undefined)) {
      it(`${type.type}: ${reference.field} takes ${reference.needs} on what it names`, async () => {
        const foreign = `${group('theirs')}/providers/Example.Namespace/things/other`;
        const refused = await put(urlOf(type), bodyWith(reference.field, foreign));
        assert.equal(refused.status, 403, JSON.stringify(refused.error));
        assert.equal(refused.error?.code, 'LinkedAuthorizationFailed');
        assert.ok(
          refused.error.message.includes(`'${actionFor(reference)}' on the linked scope(s) '${foreign}'`),
          refused.error.message,
        );
        // The same field naming a resource of the caller's own group passes linked access (whatever the operation then says).
        const own = await put(
          urlOf(type),
          bodyWith(reference.field, `${group('mine')}/providers/Example.Namespace/things/other`),
        );
        assert.notEqual(own.error?.code, 'LinkedAuthorizationFailed', own.error?.message);
      });
    }
    for (const reference of type.references.filter((r) => r.checkedBy === 'operation')) {
      it(`${type.type}: ${reference.field} takes ${reference.needs}, checked by the operation`, async () => {
        const body = OPERATION_CHECKED[`${type.type} ${reference.field}`];
        assert.ok(body, `give test/api/resource-types.test.ts a body for ${type.type} ${reference.field}`);
        const url = urlOf(type).replace('/probe?', `/${randomUUID()}?`);
        const refused = await put(url, body(group('theirs')), true);
        assert.equal(refused.status, 403, JSON.stringify(refused.error));
        assert.equal(refused.error?.code, 'AuthorizationFailed');
        assert.ok(
          refused.error.message.includes(`'${reference.needs}' over scope '${group('theirs')}'`),
          refused.error.message,
        );
        assert.equal((await put(url, body(group('mine')), true)).status, 201);
      });
    }
  }
});
