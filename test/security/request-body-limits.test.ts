// Issue 10, point 12: a JSON body nested 5,000 levels deep made an image template PUT answer 500
// (structuredClone in template normalisation ran out of stack). Every route now limits a body's size
// and depth before parsing it, with a 400 naming the limit; the server stays up and nothing is stored.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { rawRequest, type RawResponse } from '../support/raw-https.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const MIB = 1024 * 1024;
const deepObject = (levels: number) =>
  `{"location":"westus","properties":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
const deepArray = (levels: number) => `{"location":"westus","tags":${'['.repeat(levels)}${']'.repeat(levels)}}`;
const huge = () => JSON.stringify({ location: 'westus', tags: { padding: 'x'.repeat(5 * MIB) } });

describe('request body limits', () => {
  let kiln: TestServer;
  let token: string;
  const armPaths: Record<string, string> = {};

  const send = (method: string, path: string, body: string, contentType = 'application/json'): Promise<RawResponse> =>
    rawRequest(kiln.url, method, path, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });

  function assertArmRefusal(response: RawResponse, limit: RegExp) {
    assert.equal(response.status, 400, response.body.slice(0, 500));
    const { error } = JSON.parse(response.body) as { error: { code: string; message: string } };
    assert.equal(error.code, 'InvalidRequestContent');
    assert.match(error.message, limit);
  }

  before(async () => {
    kiln = await startTestServer();
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const sub = `/subscriptions/${kiln.subscriptionId}`;
    const group = `${sub}/resourceGroups/limits`;
    assert.equal((await send('PUT', `${group}?api-version=2022-09-01`, '{"location":"westus"}')).status, 201);
    Object.assign(armPaths, {
      imageTemplate: `${group}/providers/Microsoft.VirtualMachineImages/imageTemplates/deep?api-version=2022-07-01`,
      disk: `${group}/providers/Microsoft.Compute/disks/deep?api-version=2023-04-02`,
      roleAssignment: `${sub}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
    });
  });
  after(() => kiln?.stop());

  it('refuses JSON nested 5,000 and 100,000 levels deep on every ARM route, naming the depth limit and where', async () => {
    for (const [route, path] of Object.entries(armPaths)) {
      for (const body of [deepObject(5_000), deepObject(100_000), deepArray(100_000)]) {
        const response = await send('PUT', path, body);
        assertArmRefusal(response, /MaxDepth of 64 has been exceeded\. Path '[^']*', line 1, position \d+\./);
        assert.ok(JSON.parse(response.body).error.message.length < 1000, `${route}: the refusal quotes too much`);
      }
      // Nothing was stored.
      assert.equal(
        (await rawRequest(kiln.url, 'GET', path, { headers: { authorization: `Bearer ${token}` } })).status,
        404,
        route,
      );
    }
    const refusal = await send('PUT', armPaths.imageTemplate, deepObject(5_000));
    assert.match(JSON.parse(refusal.body).error.message, /Path 'properties\.a\.a\.a/);
  });

  it('refuses a body over 4 MiB on every ARM route, naming the size limit', async () => {
    for (const path of Object.values(armPaths)) {
      assertArmRefusal(await send('PUT', path, huge()), /limit of 4194304 bytes \(4 MiB\)/);
    }
  });

  it('refuses oversized and deeply nested token requests, naming the limit', async () => {
    const tokenPath = `/${kiln.tenantId}/oauth2/v2.0/token`;
    const form = `grant_type=client_credentials&client_id=${kiln.admin.appId}&client_secret=${'x'.repeat(100 * 1024)}`;
    const oversized = await send('POST', tokenPath, form, 'application/x-www-form-urlencoded');
    assert.equal(oversized.status, 400);
    assert.match(JSON.parse(oversized.body).error_description, /limit of 65536 bytes \(64 KiB\)/);
    assert.doesNotMatch(oversized.body, /xxxx/);
    const deep = await send('POST', tokenPath, deepArray(100_000));
    assert.equal(deep.status, 400);
    assert.match(JSON.parse(deep.body).error_description, /MaxDepth of 64/);
  });

  it('stays up and keeps serving well-formed requests', async () => {
    const response = await rawRequest(
      kiln.url,
      'GET',
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/limits?api-version=2022-09-01`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    assert.equal(response.status, 200);
    // JSON nested as deep as the limit is still read.
    const nested = `{"location":"westus","tags":{"k":"v"},"properties":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}`;
    const group = await send(
      'PUT',
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/nested?api-version=2022-09-01`,
      nested,
    );
    assert.equal(group.status, 201, group.body);
  });
});
