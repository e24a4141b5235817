// Every api-version Kiln accepts answers in that version's own shape (issue 18): for galleries, image
// definitions, image versions, managed images, disks and snapshots, a resource made at the newest
// api-version with members an older version lacks is read at that older version (GET, list, the PUT
// and PATCH answers, the long-running operation's result) without them and with everything else; a
// write at the older version carrying one is refused naming it and the version that added it; and
// @azure/arm-compute pinned to az 2.45's older api-versions reads them. Raw HTTPS with a bearer token,
// the server answering every long-running write at once (lroWaitMs 0) so each one is polled.
import { ComputeManagementClient } from '@azure/arm-compute';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISK_RP_API_VERSIONS } from '../../src/domain/disks/descriptor.ts';
import { GALLERY_RP_API_VERSIONS } from '../../src/domain/galleries/descriptor.ts';
import { COMPUTE_RP_API_VERSIONS } from '../../src/domain/images/descriptor.ts';
import { PROPERTIES_SINCE } from '../../src/domain/shared/properties-since.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { leaves } from '../support/json-leaves.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

const GALLERY_NEWEST = GALLERY_RP_API_VERSIONS.at(-1)!;
const COMPUTE_NEWEST = COMPUTE_RP_API_VERSIONS.at(-1)!;
const DISK_NEWEST = DISK_RP_API_VERSIONS.filter((v) => !v.endsWith('-preview')).at(-1)!;

const valueAt = (value: Json, path: string) =>
  path
    .split(/\.|(?=\[)/)
    .reduce((node, step) => (/^\[\d+\]$/.test(step) ? node?.[Number(step.slice(1, -1))] : node?.[step]), value);

/** The newest member of the type's table at or above `path` that `apiVersion` lacks, if any. */
function newerMember(type: string, path: string, apiVersion: string): string | undefined {
  const steps = path.replace(/\[\d+\]/g, '[]').toLowerCase();
  return Object.entries(PROPERTIES_SINCE[type])
    .filter(([, since]) => apiVersion < since)
    .map(([member]) => member.toLowerCase())
    .find((member) => steps === member || steps.startsWith(`${member}.`) || steps.startsWith(`${member}[]`));
}

/**
 * `old` (an answer at `apiVersion`) is `newest` (the same resource at the newest version) without the
 * members `apiVersion` lacks: every other leaf there with its value, nothing more, and each of `gone`
 * (paths the newest answer has) absent.
 */
function assertShape(type: string, newest: Json, old: Json, apiVersion: string, gone: string[]) {
  for (const path of gone) {
    assert.notEqual(valueAt(newest, path), undefined, `the newest answer has ${path}`);
    assert.equal(valueAt(old, path), undefined, `${path} is not in ${type} at ${apiVersion}`);
  }
  for (const [path, value] of leaves(newest)) {
    if (newerMember(type, path, apiVersion)) assert.equal(valueAt(old, path), undefined, `${path} left out`);
    else assert.deepEqual(valueAt(old, path), value, `${path} kept at ${apiVersion}`);
  }
  const newestPaths = new Set(leaves(newest).map(([path]) => path));
  for (const [path] of leaves(old))
    assert.ok(newestPaths.has(path), `${path} at ${apiVersion} is in the newest answer`);
}

describe('each api-version answers in its own shape', () => {
  let kiln: TestServer;
  let token: string;
  let group: string;
  let blobUri: string;

  const call = async (method: string, path: string, apiVersion: string, body?: unknown): Promise<Answer> => {
    const url = new URL(path, kiln.url);
    url.searchParams.set('api-version', apiVersion);
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  /** Polls a long-running write's operation to its end, then reads its result at `apiVersion`. */
  const finish = async (accepted: Answer, apiVersion: string): Promise<Answer> => {
    const status = accepted.headers.get('azure-asyncoperation');
    const location = accepted.headers.get('location');
    const monitor = status ?? location;
    assert.ok(monitor, `a long-running answer (${accepted.status}) names its operation`);
    const name = new URL(monitor).pathname.split('/').pop()!;
    const base = new URL(monitor).pathname.replace(/\/(operations|operationResults)\/[^/]+$/, '');
    for (let i = 0; i < 600; i++) {
      const poll = await call('GET', `${base}/operations/${name}`, apiVersion);
      if (poll.body.status !== 'InProgress') {
        assert.equal(poll.body.status, 'Succeeded', JSON.stringify(poll.body));
        return call('GET', `${base}/operationResults/${name}`, apiVersion);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${monitor} did not end`);
  };

  /**
   * A write at `apiVersion`: its answer, and (when long-running) the operation's result, polled at
   * `pollAt` (the write's own version, as its polling URLs name it, unless told).
   */
  const write = async (method: string, path: string, apiVersion: string, body: unknown, pollAt = apiVersion) => {
    const answer = await call(method, path, apiVersion, body);
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    const polled = answer.headers.has('azure-asyncoperation') || answer.headers.has('location');
    const result = polled ? await finish(answer, pollAt) : answer;
    assert.equal(result.status, polled ? 200 : answer.status, JSON.stringify(result.body));
    return { answer, result };
  };

  /** A refused write: 400 InvalidParameter, its target the leaf given, a detail naming the member, its message `since`. */
  const assertRefused = (answer: Answer, member: string, leaf: string, since: string) => {
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, 'InvalidParameter');
    assert.equal(answer.body.error.target, leaf);
    assert.match(answer.body.error.message, new RegExp(`'${member}' .* added in ${since}`));
    for (const named of [member, leaf])
      assert.ok(
        answer.body.error.details.some((d: Json) => d.target === named),
        `a detail names ${named}: ${JSON.stringify(answer.body.error.details)}`,
      );
  };

  before(async () => {
    kiln = await startTestServer({ lroWaitMs: 0 });
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/shapes`;
    const made = await call('PUT', group, '2021-04-01', { location: 'westus' });
    assert.ok(made.status < 300, JSON.stringify(made.body));
    blobUri = await putRegionBlob(kiln, 'westus', 'vhds/shapes.vhd', makeVhd(4, 'api-version-shapes'));
  });
  after(() => kiln.stop());

  const galleries = () => `${group}/providers/Microsoft.Compute/galleries`;
  const gallery = () => `${galleries()}/shapes`;
  const definition = () => `${gallery()}/images/def`;
  const version = () => `${definition()}/versions/1.0.0`;

  it('a gallery at 2019-03-01 has no softDeletePolicy, in GET, list, PUT and PATCH answers; a PUT with one is refused', async () => {
    const type = 'Microsoft.Compute/galleries';
    await write('PUT', gallery(), GALLERY_NEWEST, {
      location: 'westus',
      tags: { kept: 'yes' },
      properties: { description: 'shapes', softDeletePolicy: { isSoftDeleteEnabled: true } },
    });
    const newest = (await call('GET', gallery(), GALLERY_NEWEST)).body;
    const old = await call('GET', gallery(), '2019-03-01');
    assert.equal(old.status, 200);
    assertShape(type, newest, old.body, '2019-03-01', ['properties.softDeletePolicy']);
    assert.equal(old.body.properties.description, 'shapes');
    // 2021-07-01 added softDeletePolicy: from there on it is in the answer.
    assertShape(type, newest, (await call('GET', gallery(), '2021-07-01')).body, '2021-07-01', []);
    assert.equal(
      (await call('GET', gallery(), '2021-07-01')).body.properties.softDeletePolicy.isSoftDeleteEnabled,
      true,
    );

    const listed = await call('GET', galleries(), '2019-03-01');
    assertShape(type, newest, listed.body.value[0], '2019-03-01', ['properties.softDeletePolicy']);

    const refused = await call('PUT', gallery(), '2019-03-01', {
      location: 'westus',
      properties: { description: 'shapes', softDeletePolicy: { isSoftDeleteEnabled: false } },
    });
    assertRefused(
      refused,
      'properties.softDeletePolicy',
      'properties.softDeletePolicy.isSoftDeleteEnabled',
      '2021-07-01',
    );

    const patched = await write('PATCH', gallery(), '2019-07-01', { tags: { kept: 'yes', more: '1' } });
    assert.equal(patched.answer.body.properties.softDeletePolicy, undefined);
    assert.equal(patched.answer.body.tags.more, '1');
    // What the older client did not see is still stored.
    const after = (await call('GET', gallery(), GALLERY_NEWEST)).body;
    assert.equal(after.properties.softDeletePolicy.isSoftDeleteEnabled, true);
  });

  it('an image definition at 2019-03-01 has no hyperVGeneration or architecture, at 2021-07-01 no architecture', async () => {
    const type = 'Microsoft.Compute/galleries/images';
    const { answer } = await write('PUT', definition(), GALLERY_NEWEST, {
      location: 'westus',
      properties: {
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'shapes', offer: 'o', sku: 's' },
        hyperVGeneration: 'V2',
        architecture: 'x64',
      },
    });
    const newest = answer.body;
    assertShape(type, newest, (await call('GET', definition(), '2019-03-01')).body, '2019-03-01', [
      'properties.hyperVGeneration',
      'properties.architecture',
    ]);
    const at2021 = (await call('GET', definition(), '2021-07-01')).body;
    assertShape(type, newest, at2021, '2021-07-01', ['properties.architecture']);
    assert.equal(at2021.properties.hyperVGeneration, 'V2');
    const listed = await call('GET', `${gallery()}/images`, '2019-03-01');
    assertShape(type, newest, listed.body.value[0], '2019-03-01', ['properties.architecture']);
    const refused = await call('PATCH', definition(), '2021-07-01', { properties: { architecture: 'x64' } });
    assertRefused(refused, 'properties.architecture', 'properties.architecture', '2021-10-01');
  });

  it('an image version at 2021-10-01 has no safetyProfile, at 2020-09-30 no replicationMode either, in its operation result too', async () => {
    const type = 'Microsoft.Compute/galleries/images/versions';
    const body = {
      location: 'westus',
      properties: {
        storageProfile: { osDiskImage: { source: { uri: blobUri } } },
        publishingProfile: { replicationMode: 'Full', targetRegions: [{ name: 'westus', regionalReplicaCount: 1 }] },
        safetyProfile: { allowDeletionOfReplicatedLocations: false },
      },
    };
    const refused = await call('PUT', version(), '2021-10-01', body);
    assertRefused(
      refused,
      'properties.safetyProfile',
      'properties.safetyProfile.allowDeletionOfReplicatedLocations',
      '2022-03-03',
    );
    const made = await write('PUT', version(), GALLERY_NEWEST, body, '2021-10-01');
    const newest = (await call('GET', version(), GALLERY_NEWEST)).body;
    // Its operation's result, polled at 2021-10-01, is in that version's shape, shown as GET shows it
    // (its regions by display name).
    assert.equal(made.result.body.properties.safetyProfile, undefined);
    assert.equal(made.result.body.properties.publishingProfile.targetRegions[0].name, 'West US');
    assert.equal(made.result.body.properties.publishingProfile.replicationMode, 'Full');
    assert.equal(newest.properties.provisioningState, 'Succeeded');
    const old = (await call('GET', version(), '2021-10-01')).body;
    assertShape(type, newest, old, '2021-10-01', ['properties.safetyProfile']);
    assert.equal(old.properties.publishingProfile.replicationMode, 'Full');
    assertShape(type, newest, (await call('GET', version(), '2020-09-30')).body, '2020-09-30', [
      'properties.safetyProfile',
      'properties.publishingProfile.replicationMode',
    ]);
    assertShape(
      type,
      newest,
      (await call('GET', `${definition()}/versions`, '2020-09-30')).body.value[0],
      '2020-09-30',
      ['properties.publishingProfile.replicationMode'],
    );
    // A PATCH at the older version answers in its shape.
    const { result } = await write('PATCH', version(), '2021-10-01', { tags: { patched: 'yes' } });
    assert.equal(result.body.tags.patched, 'yes');
    assert.equal(result.body.properties.safetyProfile, undefined);
    assert.equal(result.body.properties.publishingProfile.replicationMode, 'Full');
  });

  it('a managed image at 2018-10-01 has no hyperVGeneration, in its PUT answer and operation result too', async () => {
    const type = 'Microsoft.Compute/images';
    const image = `${group}/providers/Microsoft.Compute/images/shapes`;
    const body = {
      location: 'westus',
      properties: {
        hyperVGeneration: 'V2',
        storageProfile: {
          osDisk: { osType: 'Linux', osState: 'Generalized', blobUri, storageAccountType: 'Standard_LRS' },
          zoneResilient: false,
        },
      },
    };
    const refused = await call('PUT', image, '2018-10-01', body);
    assertRefused(refused, 'properties.hyperVGeneration', 'properties.hyperVGeneration', '2019-03-01');
    const made = await write('PUT', image, COMPUTE_NEWEST, body, '2018-10-01');
    const newest = (await call('GET', image, COMPUTE_NEWEST)).body;
    assertShape(type, newest, made.result.body, '2018-10-01', ['properties.hyperVGeneration']);
    assertShape(type, newest, (await call('GET', image, '2018-10-01')).body, '2018-10-01', [
      'properties.hyperVGeneration',
    ]);
    // 2017-03-30 has the disks' storage account type, not yet zoneResilient (2017-12-01).
    assertShape(type, newest, (await call('GET', image, '2017-03-30')).body, '2017-03-30', [
      'properties.hyperVGeneration',
      'properties.storageProfile.zoneResilient',
    ]);
    const { storageProfile } = body.properties;
    // Made at the older version, its PUT answer and operation result are in that version's shape.
    const again = await write('PUT', `${image}-old`, '2018-10-01', {
      location: 'westus',
      properties: { storageProfile },
    });
    assert.equal(again.answer.body.properties.hyperVGeneration, undefined);
    assert.equal(again.result.body.properties.hyperVGeneration, undefined);
    assert.equal(again.result.body.properties.storageProfile.osDisk.blobUri, blobUri);
  });

  it('a disk at 2019-07-01 has no tier or supportsHibernation, a snapshot at 2020-05-01 no supportsHibernation', async () => {
    const disk = `${group}/providers/Microsoft.Compute/disks/shapes`;
    const snapshot = `${group}/providers/Microsoft.Compute/snapshots/shapes`;
    const refused = await call('PUT', disk, '2019-07-01', {
      location: 'westus',
      sku: { name: 'Premium_LRS' },
      properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1, tier: 'P10' },
    });
    assertRefused(refused, 'properties.tier', 'properties.tier', '2020-06-30');
    const made = await write(
      'PUT',
      disk,
      DISK_NEWEST,
      {
        location: 'westus',
        sku: { name: 'Premium_LRS' },
        properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1, tier: 'P10', supportsHibernation: true },
      },
      '2019-07-01',
    );
    const newest = (await call('GET', disk, DISK_NEWEST)).body;
    assert.equal(newest.properties.tier, 'P10');
    const gone = ['properties.tier', 'properties.supportsHibernation'];
    assertShape('Microsoft.Compute/disks', newest, made.result.body, '2019-07-01', gone);
    assertShape('Microsoft.Compute/disks', newest, (await call('GET', disk, '2019-07-01')).body, '2019-07-01', gone);
    const listed = await call('GET', `${group}/providers/Microsoft.Compute/disks`, '2019-07-01');
    assertShape('Microsoft.Compute/disks', newest, listed.body.value[0], '2019-07-01', gone);
    const patched = await write('PATCH', disk, '2019-07-01', { tags: { patched: 'yes' } });
    assert.equal(patched.result.body.properties.tier, undefined);
    assert.equal(patched.result.body.tags.patched, 'yes');

    await write('PUT', snapshot, DISK_NEWEST, {
      location: 'westus',
      properties: { creationData: { createOption: 'Copy', sourceResourceId: disk }, supportsHibernation: true },
    });
    const snapNewest = (await call('GET', snapshot, DISK_NEWEST)).body;
    assertShape(
      'Microsoft.Compute/snapshots',
      snapNewest,
      (await call('GET', snapshot, '2020-05-01')).body,
      '2020-05-01',
      ['properties.supportsHibernation'],
    );
  });

  it('@azure/arm-compute pinned to az 2.45’s api-versions reads every one of them', async () => {
    // az 2.45 (Debian's): galleries 2022-03-03, images 2022-08-01, disks and snapshots 2022-07-02.
    const PINNED: Array<[RegExp, string]> = [
      [/\/galleries(\/|$)/i, '2022-03-03'],
      [/\/images(\/|$)/i, '2022-08-01'],
      [/\/(disks|snapshots)(\/|$)/i, '2022-07-02'],
    ];
    const sent: string[] = [];
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
      additionalPolicies: [
        {
          position: 'perCall',
          policy: {
            name: 'pinApiVersion',
            sendRequest(request, next) {
              const url = new URL(request.url);
              // A gallery's images and versions are under /galleries/: the first entry pins them.
              const pinned = PINNED.find(([path]) => path.test(url.pathname));
              if (pinned) url.searchParams.set('api-version', pinned[1]);
              request.url = url.toString();
              sent.push(url.searchParams.get('api-version')!);
              return next(request);
            },
          },
        },
      ],
    });
    const gal = await compute.galleries.get('shapes', 'shapes');
    assert.equal(gal.softDeletePolicy?.isSoftDeleteEnabled, true, '2022-03-03 has softDeletePolicy');
    const def = await compute.galleryImages.get('shapes', 'shapes', 'def');
    assert.equal(def.architecture, 'x64', '2022-03-03 has architecture');
    const ver = await compute.galleryImageVersions.get('shapes', 'shapes', 'def', '1.0.0');
    assert.equal(ver.safetyProfile?.allowDeletionOfReplicatedLocations, false);
    assert.equal(ver.provisioningState, 'Succeeded');
    const img = await compute.images.get('shapes', 'shapes');
    assert.equal(img.hyperVGeneration, 'V2');
    const disk = await compute.disks.get('shapes', 'shapes');
    assert.equal(disk.tier, 'P10');
    assert.equal(disk.supportsHibernation, true);
    const listed = [];
    for await (const s of compute.snapshots.listByResourceGroup('shapes')) listed.push(s.name);
    assert.deepEqual(listed, ['shapes']);
    // A member 2022-07-02 lacks (DiskRP 2025-01-02's availabilityPolicy) is refused through the SDK too.
    await assert.rejects(
      compute.disks.beginUpdateAndWait('shapes', 'shapes', { availabilityPolicy: { actionOnDiskDelay: 'None' } }),
      (error: { statusCode?: number; code?: string; message: string }) =>
        error.statusCode === 400 && error.code === 'InvalidParameter' && /added in 2025-01-02/.test(error.message),
    );
    assert.deepEqual(new Set(sent), new Set(['2022-03-03', '2022-08-01', '2022-07-02']));
  });
});
