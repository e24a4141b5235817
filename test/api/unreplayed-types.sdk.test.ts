// The types Kiln serves that no replayed example covers (docs/wire-fidelity.md, second table):
// subscriptions, providers at the tenant, generic resources, tag names and values, a location's VM
// sizes, security rules at their own path, and the status monitors of long-running operations (which
// Azure's specs describe by a common model, with no example). Each is driven through an official SDK,
// and every answer on the wire is checked against the OpenAPI model of what it answers: each member the
// model requires is there, no member the model lacks is (a free-form object, such as a generic
// resource's `properties`, takes any), and each member has the model's type and one of its enum values.
// The models:
//  - Subscription, Location (and their list results): the mappers of @azure/arm-resources-subscriptions
//    2.1.1, which AutoRest generates from Microsoft.Resources 2022-12-01 (subscriptions.json), the
//    api-version the client sends;
//  - GenericResource, GenericResourceExpanded, TagDetails, TagValue, Provider (and their list
//    results): the mappers of @azure/arm-resources 7.0.0, generated from Microsoft.Resources 2025-04-01
//    (resources.json);
//  - SecurityRule: test/api/spec-models/Network-2026-01-01-network-security-group.json, the api-version
//    @azure/arm-network 39 sends;
//  - VirtualMachineSize: computeRPCommon.json of ComputeRP (copied below: `VM_SIZE`);
//  - the operation status: OperationStatusResult and ErrorDetail of
//    specification/common-types/resource-management/v5/types.json (copied below: `OPERATION_STATUS`).
// Each client's requests and answers are read by a pipeline policy, so the check sees the JSON as
// sent, not the SDK's model of it (which drops what it does not know).
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { NetworkManagementClient } from '@azure/arm-network-39';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import type { Pipeline } from '@azure/core-rest-pipeline';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSpecModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Swagger schemas, mappers and ARM bodies are free-form
type Json = any;

/** ComputeRP's VirtualMachineSize and its list (computeRPCommon.json, 2024-11-01; 2025-04-01 added `nextLink`). */
const VM_SIZE: Record<string, Json> = {
  VirtualMachineSizeListResult: {
    properties: {
      value: { type: 'array', items: { $ref: '#/definitions/VirtualMachineSize' } },
      nextLink: { type: 'string' },
    },
  },
  VirtualMachineSize: {
    properties: {
      name: { type: 'string' },
      numberOfCores: { type: 'integer' },
      osDiskSizeInMB: { type: 'integer' },
      resourceDiskSizeInMB: { type: 'integer' },
      memoryInMB: { type: 'integer' },
      maxDataDiskCount: { type: 'integer' },
    },
  },
};

/** ARM's async operation status (common-types v5 types.json): `status` required. */
const OPERATION_STATUS: Record<string, Json> = {
  OperationStatusResult: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      status: { type: 'string' },
      percentComplete: { type: 'number', minimum: 0, maximum: 100 },
      startTime: { type: 'string', format: 'date-time' },
      endTime: { type: 'string', format: 'date-time' },
      operations: { type: 'array', items: { $ref: '#/definitions/OperationStatusResult' } },
      error: { $ref: '#/definitions/ErrorDetail' },
      resourceId: { type: 'string', readOnly: true },
    },
    required: ['status'],
  },
  ErrorDetail: {
    type: 'object',
    properties: {
      code: { type: 'string' },
      message: { type: 'string' },
      target: { type: 'string' },
      details: { type: 'array', items: { $ref: '#/definitions/ErrorDetail' } },
      additionalInfo: {
        type: 'array',
        items: { type: 'object', properties: { type: { type: 'string' }, info: { type: 'object' } } },
      },
    },
  },
};

/** An answer a client got: its request's method and URL, the status and the JSON body. */
interface Answer {
  method: string;
  url: string;
  status: number;
  body: Json;
}

/** Keeps every answer `pipeline` gets, in `into`. */
function recordAnswers(pipeline: Pipeline, into: Answer[]): void {
  pipeline.addPolicy({
    name: 'record-answers',
    async sendRequest(request, next) {
      const response = await next(request);
      const text = response.bodyAsText;
      into.push({
        method: request.method,
        url: request.url,
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
      });
      return response;
    },
  });
}

/** The mappers of an AutoRest-generated SDK (its models/mappers.js), as Swagger definitions. */
function mapperDefinitions(packageName: string): Record<string, Json> {
  const require = createRequire(import.meta.url);
  const mappers: Record<string, Json> = require(join(dirname(require.resolve(packageName)), 'models', 'mappers.js'));
  const schemaOf = (type: Json): Json => {
    switch (type.name) {
      case 'Composite':
        return { $ref: `#/definitions/${type.className}` };
      case 'Sequence':
        return { type: 'array', items: schemaOf(type.element.type) };
      case 'Dictionary':
        return { type: 'object', additionalProperties: schemaOf(type.value.type) };
      case 'Enum':
        return { type: 'string', enum: type.allowedValues };
      case 'Number':
        return { type: 'number' };
      case 'Boolean':
        return { type: 'boolean' };
      case 'String':
      case 'DateTime':
      case 'DateTimeRfc1123':
      case 'Date':
      case 'Uuid':
      case 'TimeSpan':
      case 'ByteArray':
      case 'Base64Url':
        return { type: 'string' };
      default:
        return {}; // any, Object: free-form
    }
  };
  const definitions: Record<string, Json> = {};
  for (const mapper of Object.values(mappers)) {
    if (mapper?.type?.name !== 'Composite' || !mapper.type.modelProperties) continue;
    const root: Json = { type: 'object', properties: {}, required: [] };
    if (mapper.type.additionalProperties) root.additionalProperties = {};
    for (const property of Object.values<Json>(mapper.type.modelProperties)) {
      // A flattened member's serializedName is its path (`properties.provisioningState`); `\.` is a dot in a name.
      const steps = (property.serializedName as string).split(/(?<!\\)\./).map((step) => step.replace(/\\\./g, '.'));
      let node = root;
      for (const step of steps.slice(0, -1)) {
        node.properties[step] ??= { type: 'object', properties: {}, required: [] };
        node = node.properties[step];
      }
      const last = steps[steps.length - 1];
      node.properties[last] = schemaOf(property.type);
      if (property.required) node.required.push(last);
    }
    definitions[mapper.type.className] = root;
  }
  return definitions;
}

/** The schema with its `$ref` followed and its `allOf` merged in. */
function resolved(definitions: Record<string, Json>, schema: Json): Json {
  if (schema?.$ref) return resolved(definitions, definitions[schema.$ref.split('/').pop()] ?? {});
  if (!schema?.allOf) return schema ?? {};
  const parts = [...schema.allOf.map((part: Json) => resolved(definitions, part)), schema];
  return {
    ...schema,
    type: 'object',
    properties: Object.assign({}, ...parts.map((part: Json) => part.properties ?? {})),
    required: parts.flatMap((part: Json) => part.required ?? []),
  };
}

/** Where `value` departs from `schema`: each departure named by its JSON path. */
function departures(definitions: Record<string, Json>, schema: Json, value: unknown, path = ''): string[] {
  const model = resolved(definitions, schema);
  const at = (name: string) => (path ? `${path}.${name}` : name);
  if (value === undefined) return [];
  if (value === null) return [`${path}: null`];
  if (model.enum && !model.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is none of ${model.enum}`];
  if (model.type === 'array') {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    return value.flatMap((item, i) => departures(definitions, model.items, item, `${path}[${i}]`));
  }
  if (model.type === 'string') return typeof value === 'string' ? [] : [`${path}: not a string`];
  if (model.type === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
  if (model.type === 'integer')
    return Number.isInteger(value) ? [] : [`${path}: ${JSON.stringify(value)} is not an integer`];
  if (model.type === 'number') {
    if (typeof value !== 'number') return [`${path}: not a number`];
    const outside =
      (model.minimum !== undefined && value < model.minimum) || (model.maximum !== undefined && value > model.maximum);
    return outside ? [`${path}: ${value} is outside ${model.minimum}..${model.maximum}`] : [];
  }
  if (!model.properties && !model.additionalProperties) return []; // free-form
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
  const found: string[] = [];
  for (const name of model.required ?? []) if (!(name in value)) found.push(`${at(name)}: required, missing`);
  for (const [name, member] of Object.entries(value)) {
    const declared = model.properties?.[name] ?? model.additionalProperties;
    if (declared === undefined) found.push(`${at(name)}: not in the model`);
    else found.push(...departures(definitions, declared === true ? {} : declared, member, at(name)));
  }
  return found;
}

describe('types no replayed example covers: answers in their OpenAPI models’ shape', () => {
  let kiln: TestServer;
  let sub: string;
  let resources: ResourceManagementClient;
  let subscriptions: SubscriptionClient;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;
  let builder: ImageBuilderClient;
  let deployments: DeploymentsClient;
  const answers: Answer[] = [];
  const resourcesModel = mapperDefinitions('@azure/arm-resources');
  const subscriptionsModel = mapperDefinitions('@azure/arm-resources-subscriptions');

  /**
   * The answers to requests matching `url` since `from`, each one's body checked against `definition`;
   * `allowed` names the departures that are the model's, not Kiln's (each with why where it is given).
   */
  function check(
    definitions: Record<string, Json>,
    definition: string,
    from: number,
    url: RegExp,
    method = 'GET',
    allowed: string[] = [],
  ) {
    const seen = answers.slice(from).filter((a) => a.method === method && url.test(new URL(a.url).pathname));
    assert.ok(seen.length > 0, `no ${method} answer to ${url}`);
    for (const answer of seen) {
      assert.ok(answer.status < 300, `${answer.url}: ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.deepEqual(
        departures(definitions, { $ref: `#/definitions/${definition}` }, answer.body).filter(
          (d) => !allowed.includes(d),
        ),
        [],
        `${method} ${answer.url} as ${definition}: ${JSON.stringify(answer.body)}`,
      );
    }
    return seen;
  }

  before(async () => {
    // Every long-running operation answered at once to be polled (not finished within the request).
    kiln = await startTestServer({ lroWaitMs: 0 });
    sub = kiln.subscriptionId;
    const options = { endpoint: kiln.url };
    resources = new ResourceManagementClient(kiln.credential, sub, options);
    subscriptions = new SubscriptionClient(kiln.credential, options);
    compute = new ComputeManagementClient(kiln.credential, sub, options);
    network = new NetworkManagementClient(kiln.credential, sub, options);
    builder = new ImageBuilderClient(kiln.credential, sub, options);
    deployments = new DeploymentsClient(kiln.credential, sub, options);
    for (const client of [resources, subscriptions, compute, network, builder, deployments])
      recordAnswers(client.pipeline, answers);
    await resources.resourceGroups.createOrUpdate('shapes', { location: 'westus', tags: { env: 'test' } });
  });
  after(() => kiln?.stop());

  it('the check names what departs from a model (a member it lacks, one it requires, a type, an enum)', async () => {
    const rule = { priority: 'high', protocol: 'Smoke', direction: 'Inbound', extra: 1 };
    assert.deepEqual(departures(subscriptionsModel, { $ref: '#/definitions/Subscription' }, { state: 'Gone' }), [
      'state: "Gone" is none of Enabled,Warned,PastDue,Disabled,Deleted',
    ]);
    assert.deepEqual(
      departures(VM_SIZE, { $ref: '#/definitions/VirtualMachineSize' }, { name: 'x', memoryInMB: 1.5 }),
      ['memoryInMB: 1.5 is not an integer'],
    );
    const model = await readSpecModel('Network-2026-01-01-network-security-group.json');
    assert.deepEqual(departures(model, { $ref: '#/definitions/SecurityRule' }, { properties: rule }), [
      'properties.access: required, missing',
      'properties.priority: "high" is not an integer',
      'properties.protocol: "Smoke" is none of Tcp,Udp,Icmp,Esp,*,Ah',
      'properties.extra: not in the model',
    ]);
  });

  it('subscriptions: get, list and list locations (Subscription, Location)', async () => {
    const from = answers.length;
    await subscriptions.subscriptions.get(sub);
    for await (const _ of subscriptions.subscriptions.list());
    for await (const _ of subscriptions.subscriptions.listLocations(sub));
    check(subscriptionsModel, 'Subscription', from, new RegExp(`^/subscriptions/${sub}$`));
    // subscriptions.json (2022-12-01) marks SubscriptionListResult's nextLink required, where ARM's
    // paging (and Kiln's, for every list) leaves it out of the last page; the SDK reads either.
    const listed = check(subscriptionsModel, 'SubscriptionListResult', from, /^\/subscriptions$/, 'GET', [
      'nextLink: required, missing',
    ]);
    assert.ok(listed[0].body.value.some((s: Json) => s.subscriptionId === sub));
    const locations = check(subscriptionsModel, 'LocationListResult', from, /\/locations$/);
    assert.ok(locations[0].body.value.some((l: Json) => l.name === 'westus'));
  });

  it('providers at the tenant: get and list (Provider)', async () => {
    const from = answers.length;
    await resources.providers.getAtTenantScope('Microsoft.Compute');
    for await (const _ of resources.providers.listAtTenantScope());
    check(resourcesModel, 'Provider', from, /^\/providers\/Microsoft\.Compute$/);
    const listed = check(resourcesModel, 'ProviderListResult', from, /^\/providers$/);
    assert.ok(listed[0].body.value.some((p: Json) => p.namespace === 'Microsoft.Compute'));
  });

  it('generic resources: list, list by group, get by id (GenericResourceExpanded, GenericResource)', async () => {
    await compute.disks.beginCreateOrUpdateAndWait('shapes', 'scratch', {
      location: 'westus',
      tags: { env: 'prod' },
      creationData: { createOption: 'Empty' },
      diskSizeGB: 1,
    });
    const from = answers.length;
    const listed = [];
    for await (const resource of resources.resources.list({ expand: 'createdTime,changedTime,provisioningState' }))
      listed.push(resource);
    for await (const _ of resources.resources.listByResourceGroup('shapes'));
    const disk = listed.find((r) => r.name === 'scratch');
    assert.ok(disk?.id, JSON.stringify(listed));
    await resources.resources.getById(disk.id, '2025-01-02');
    check(resourcesModel, 'ResourceListResult', from, new RegExp(`^/subscriptions/${sub}/resources$`));
    check(resourcesModel, 'ResourceListResult', from, /\/resourceGroups\/shapes\/resources$/);
    check(resourcesModel, 'GenericResource', from, /\/disks\/scratch$/);
  });

  it('tag names and values: create, list with counts, delete (TagDetails, TagValue)', async () => {
    const from = answers.length;
    await resources.tagsOperations.createOrUpdate('team');
    await resources.tagsOperations.createOrUpdateValue('team', 'images');
    const names = [];
    for await (const name of resources.tagsOperations.list()) names.push(name);
    check(resourcesModel, 'TagDetails', from, /\/tagNames\/team$/, 'PUT');
    check(resourcesModel, 'TagValue', from, /\/tagNames\/team\/tagValues\/images$/, 'PUT');
    check(resourcesModel, 'TagsListResult', from, /\/tagNames$/);
    const env = names.find((n) => n.tagName === 'env');
    assert.ok(
      env?.values?.some((v) => v.tagValue === 'prod'),
      JSON.stringify(names),
    );
    await resources.tagsOperations.deleteValue('team', 'images');
    await resources.tagsOperations.delete('team');
  });

  it("a location's VM sizes (VirtualMachineSize)", async () => {
    const from = answers.length;
    const sizes = [];
    for await (const size of compute.virtualMachineSizes.list('westus')) sizes.push(size);
    assert.ok(sizes.some((s) => s.name === 'Standard_B1s'));
    check(VM_SIZE, 'VirtualMachineSizeListResult', from, /\/locations\/westus\/vmSizes$/);
  });

  it('security rules at their own path: put, get, list, delete (SecurityRule)', async () => {
    const model = await readSpecModel('Network-2026-01-01-network-security-group.json');
    model.SecurityRuleListResult = {
      properties: {
        value: { type: 'array', items: { $ref: '#/definitions/SecurityRule' } },
        nextLink: { type: 'string' },
      },
    };
    await network.networkSecurityGroups.createOrUpdate('shapes', 'guard', { location: 'westus' });
    const from = answers.length;
    await network.securityRules.createOrUpdate('shapes', 'guard', 'ssh', {
      protocol: 'Tcp',
      access: 'Allow',
      direction: 'Inbound',
      priority: 200,
      sourceAddressPrefix: '*',
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRanges: ['22', '2222'],
      description: 'ssh in',
    });
    await network.securityRules.get('shapes', 'guard', 'ssh');
    for await (const _ of network.securityRules.list('shapes', 'guard'));
    check(model, 'SecurityRule', from, /\/securityRules\/ssh$/, 'PUT');
    check(model, 'SecurityRule', from, /\/securityRules\/ssh$/);
    check(model, 'SecurityRuleListResult', from, /\/securityRules$/);
    await network.securityRules.delete('shapes', 'guard', 'ssh');
  });

  it('the status of a long-running operation, as each SDK polls it (OperationStatusResult)', async () => {
    const from = answers.length;
    // Microsoft.Compute: a disk made; Microsoft.VirtualMachineImages: a template whose source is not
    // there (it fails, and its status says why); Microsoft.Resources: a deployment of nothing.
    await compute.disks.beginCreateOrUpdateAndWait('shapes', 'polled', {
      location: 'westus',
      creationData: { createOption: 'Empty' },
      diskSizeGB: 1,
    });
    await assert.rejects(
      builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(
        'shapes',
        'polled',
        {
          location: 'westus',
          identity: { type: 'None' },
          source: {
            type: 'ManagedImage',
            imageId: `/subscriptions/${sub}/resourceGroups/shapes/providers/Microsoft.Compute/images/absent`,
          },
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        },
        { updateIntervalInMs: 100 },
      ),
    );
    await deployments.deployments.beginCreateOrUpdateAndWait(
      'shapes',
      'nothing',
      {
        properties: {
          mode: 'Incremental',
          template: {
            $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
            contentVersion: '1.0.0.0',
            resources: [],
          },
        },
      },
      { updateIntervalInMs: 100 },
    );
    for (const namespace of ['Microsoft.Compute', 'Microsoft.VirtualMachineImages', 'Microsoft.Resources'])
      check(
        OPERATION_STATUS,
        'OperationStatusResult',
        from,
        new RegExp(`/providers/${namespace.replace('.', '\\.')}/locations/[^/]+/operations/[^/]+$`, 'i'),
      );
    const failed = answers
      .slice(from)
      .filter((a) => /Microsoft\.VirtualMachineImages\/locations\/[^/]+\/operations\//i.test(a.url))
      .at(-1);
    assert.equal(failed?.body.status, 'Failed', JSON.stringify(failed?.body));
    assert.ok(failed?.body.error?.code, JSON.stringify(failed?.body));
  });
});
