// ARM deployments through the official @azure/arm-resourcesdeployments client against a started
// server over HTTPS: templates in the shapes the public quickstarts use (parameters, variables,
// copy loops, conditions, dependsOn, reference(), outputs, nested deployments), validate, what-if,
// operations, cancel, export, subscription-scope deployments, bad templates refused at their JSON
// paths with nothing made, a failed resource named in the deployment's error, and RBAC.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armRefusal } from '../support/arm-refusal.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'deploy-rg';
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

/** A gallery and image definitions, as the gallery quickstart templates make them. */
const galleryTemplate = {
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  parameters: {
    galleryName: { type: 'string', minLength: 3 },
    osState: { type: 'string', defaultValue: 'Generalized', allowedValues: ['Generalized', 'Specialized'] },
    definitionCount: { type: 'int', defaultValue: 2, minValue: 1, maxValue: 5 },
    makeIdentity: { type: 'bool', defaultValue: false },
    adminSecret: { type: 'securestring', defaultValue: '' },
  },
  variables: {
    location: '[resourceGroup().location]',
    publisher: "[toUpper(concat('kiln-', parameters('galleryName')))]",
    tags: { owner: 'platform', suffix: '[uniqueString(resourceGroup().id)]' },
  },
  resources: [
    {
      type: 'Microsoft.Compute/galleries',
      apiVersion: '2022-03-03',
      name: "[parameters('galleryName')]",
      location: "[variables('location')]",
      tags: "[variables('tags')]",
      properties: { description: "[format('Gallery {0} in {1}', parameters('galleryName'), variables('location'))]" },
    },
    {
      type: 'Microsoft.Compute/galleries/images',
      apiVersion: '2022-03-03',
      name: "[format('{0}/def{1}', parameters('galleryName'), copyIndex(1))]",
      location: "[variables('location')]",
      dependsOn: ["[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]"],
      copy: { name: 'definitions', count: "[parameters('definitionCount')]" },
      properties: {
        osType: 'Linux',
        osState: "[parameters('osState')]",
        hyperVGeneration: 'V2',
        identifier: { publisher: "[variables('publisher')]", offer: 'debian', sku: "[concat('sku-', copyIndex())]" },
      },
    },
    {
      condition: "[parameters('makeIdentity')]",
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      apiVersion: '2023-01-31',
      name: 'never-made',
      location: "[variables('location')]",
    },
  ],
  outputs: {
    galleryId: { type: 'string', value: "[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]" },
    uniqueName: {
      type: 'string',
      value: "[reference(parameters('galleryName')).identifier.uniqueName]",
    },
    skus: {
      type: 'array',
      copy: { count: "[parameters('definitionCount')]", input: "[concat('sku-', copyIndex())]" },
    },
    secret: { type: 'securestring', value: "[parameters('adminSecret')]" },
  },
};

describe('ARM deployments with @azure/arm-resourcesdeployments', () => {
  let kiln: TestServer;
  let deployments: DeploymentsClient;
  let compute: ComputeManagementClient;
  let resources: ResourceManagementClient;
  let sub: string;

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    deployments = new DeploymentsClient(kiln.credential, sub, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    resources = new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate(RG, { location: 'westus' });
  });
  after(() => kiln.stop());

  it('deploys a gallery and a copy loop of definitions in dependency order, with outputs and operations', async () => {
    const done = await deployments.deployments.createOrUpdate(
      RG,
      'gallery1',
      {
        properties: {
          mode: 'Incremental',
          template: galleryTemplate,
          parameters: { galleryName: { value: 'gal1' }, adminSecret: { value: 's3cr3t-value' } },
        },
      },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    const outputs = done.properties?.outputs as Record<string, { type: string; value?: unknown }>;
    assert.equal(
      outputs.galleryId.value,
      `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/gal1`,
    );
    const gallery = await compute.galleries.get(RG, 'gal1');
    assert.equal(outputs.uniqueName.value, gallery.identifier?.uniqueName);
    assert.deepEqual(outputs.skus.value, ['sku-0', 'sku-1']);
    assert.deepEqual(outputs.secret, { type: 'SecureString' }, 'a secure output is shown without its value');
    assert.equal(gallery.description, 'Gallery gal1 in westus');
    assert.equal(gallery.tags?.owner, 'platform');
    assert.match(gallery.tags?.suffix ?? '', /^[a-z0-9]{13}$/);
    const defs = [];
    for await (const d of compute.galleryImages.listByGallery(RG, 'gal1')) defs.push(d);
    assert.deepEqual(defs.map((d) => [d.name, d.identifier?.publisher, d.identifier?.sku, d.osState]).sort(), [
      ['def1', 'KILN-GAL1', 'sku-0', 'Generalized'],
      ['def2', 'KILN-GAL1', 'sku-1', 'Generalized'],
    ]);
    await assert.rejects(
      new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resources.getById(
        `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/never-made`,
        '2023-01-31',
      ),
      (e: { statusCode?: number }) => e.statusCode === 404,
      'a resource whose condition is false is not deployed',
    );

    const shown = await deployments.deployments.get(RG, 'gallery1');
    assert.equal(shown.properties?.mode, 'Incremental');
    const params = shown.properties?.parameters as Record<string, { type: string; value?: unknown }>;
    assert.deepEqual(params.galleryName, { type: 'String', value: 'gal1' });
    assert.deepEqual(params.definitionCount, { type: 'Int', value: 2 });
    assert.deepEqual(params.adminSecret, { type: 'SecureString' }, 'a secure parameter is never shown');
    assert.deepEqual(
      shown.properties?.outputResources?.map((r) => r.id!.split('/').slice(-3).join('/')).sort(),
      [
        'galleries/gal1/images/def1'.split('/').slice(-3).join('/'),
        'galleries/gal1/images/def2'.split('/').slice(-3).join('/'),
        'providers/Microsoft.Compute/galleries/gal1'.split('/').slice(-3).join('/'),
      ].sort(),
    );
    const dependency = shown.properties?.dependencies?.find((d) => d.resourceName === 'gal1/def1');
    assert.equal(dependency?.dependsOn?.[0].resourceName, 'gal1');
    const stored = JSON.stringify(
      await kiln.server.kiln.store.get(
        `/subscriptions/${sub}/resourcegroups/${RG}/providers/microsoft.resources/deployments/gallery1`.toLowerCase(),
      ),
    );
    assert.doesNotMatch(stored, /s3cr3t-value/, 'the secure value is erased when the deployment ends');

    const operations = [];
    for await (const o of deployments.deploymentOperations.list(RG, 'gallery1')) operations.push(o);
    assert.equal(operations.length, 3);
    for (const o of operations) {
      assert.equal(o.properties?.provisioningState, 'Succeeded');
      assert.equal(o.properties?.provisioningOperation, 'Create');
      assert.ok(o.properties?.targetResource?.id);
    }
    const one = await deployments.deploymentOperations.get(RG, 'gallery1', operations[0].operationId!);
    assert.equal(one.properties?.targetResource?.id, operations[0].properties?.targetResource?.id);

    const exported = await deployments.deployments.exportTemplate(RG, 'gallery1');
    assert.deepEqual(exported.template, galleryTemplate);
    const names = [];
    for await (const d of deployments.deployments.listByResourceGroup(RG)) names.push(d.name);
    assert.ok(names.includes('gallery1'));
    assert.deepEqual(await deployments.deployments.checkExistence(RG, 'gallery1'), { body: true });
  });

  it('deploys a gallery, a definition and a version from one template, the version made from an image it also deploys', async () => {
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      parameters: { version: { type: 'string', defaultValue: '1.0.0' } },
      variables: { imageId: "[resourceId('Microsoft.Compute/images', 'source-image')]" },
      resources: [
        {
          type: 'Microsoft.Compute/disks',
          apiVersion: '2024-03-02',
          name: 'source-disk',
          location: 'westus',
          sku: { name: 'Standard_LRS' },
          properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1 },
        },
        {
          type: 'Microsoft.Compute/images',
          apiVersion: '2024-03-01',
          name: 'source-image',
          location: 'westus',
          dependsOn: ['source-disk'],
          properties: {
            storageProfile: {
              osDisk: {
                osType: 'Linux',
                osState: 'Generalized',
                managedDisk: { id: "[resourceId('Microsoft.Compute/disks', 'source-disk')]" },
              },
            },
          },
        },
        { type: 'Microsoft.Compute/galleries', apiVersion: '2022-03-03', name: 'shelf', location: 'westus' },
        {
          type: 'Microsoft.Compute/galleries/images',
          apiVersion: '2022-03-03',
          name: 'shelf/base',
          location: 'westus',
          dependsOn: ['shelf'],
          properties: {
            osType: 'Linux',
            osState: 'Generalized',
            hyperVGeneration: 'V1',
            identifier: { publisher: 'kiln', offer: 'base', sku: '1' },
          },
        },
        {
          type: 'Microsoft.Compute/galleries/images/versions',
          apiVersion: '2022-03-03',
          name: "[concat('shelf/base/', parameters('version'))]",
          location: 'westus',
          dependsOn: ["[resourceId('Microsoft.Compute/galleries/images', 'shelf', 'base')]", "[variables('imageId')]"],
          properties: {
            storageProfile: { source: { id: "[variables('imageId')]" } },
            publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
          },
        },
      ],
      outputs: {
        replicated: {
          type: 'array',
          value:
            "[map(reference(resourceId('Microsoft.Compute/galleries/images/versions', 'shelf', 'base', parameters('version')), '2022-03-03').publishingProfile.targetRegions, lambda('r', lambdaVariables('r').name))]",
        },
      },
    };
    const done = await deployments.deployments.createOrUpdate(
      RG,
      'gallery-version',
      { properties: { mode: 'Incremental', template } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    const version = await compute.galleryImageVersions.get(RG, 'shelf', 'base', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    assert.equal(version.provisioningState, 'Succeeded', 'the deployment waited for the replication');
    assert.deepEqual(
      version.replicationStatus?.summary?.map((r) => [r.region?.replace(/\s/g, '').toLowerCase(), r.state]).sort(),
      [
        ['eastus', 'Completed'],
        ['westus', 'Completed'],
      ],
    );
    assert.deepEqual(
      (done.properties?.outputs as Record<string, { value: string[] }>).replicated.value
        .map((r) => r.replace(/\s/g, '').toLowerCase())
        .sort(),
      ['eastus', 'westus'],
    );
  });

  it('refuses a bad template at its JSON path, keeping nothing', async () => {
    const put = (template: object, parameters: Record<string, { value: unknown }> = {}) =>
      deployments.deployments.createOrUpdate(RG, 'bad', { properties: { mode: 'Incremental', template, parameters } });
    await assert.rejects(put(galleryTemplate), armRefusal(400, 'InvalidTemplate', /galleryName.*not provided/));
    await assert.rejects(
      put(galleryTemplate, { galleryName: { value: 'g' } }),
      armRefusal(400, 'InvalidTemplate', /greater than or equal to '3'/),
    );
    await assert.rejects(
      put(galleryTemplate, { galleryName: { value: 'gal2' }, osState: { value: 'Frozen' } }),
      armRefusal(400, 'InvalidTemplate', /not part of the allowed value/),
    );
    await assert.rejects(
      put(galleryTemplate, { galleryName: { value: 'gal2' }, nope: { value: 1 } }),
      armRefusal(400, 'InvalidTemplate', /'nope'.*not present in the original template/),
    );
    const cyclic = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: [
        {
          type: 'Microsoft.Compute/galleries',
          apiVersion: '2022-03-03',
          name: 'a',
          location: 'westus',
          dependsOn: ['b'],
        },
        {
          type: 'Microsoft.Compute/galleries',
          apiVersion: '2022-03-03',
          name: 'b',
          location: 'westus',
          dependsOn: ['a'],
        },
      ],
    };
    await assert.rejects(put(cyclic), armRefusal(400, 'InvalidTemplate', /Circular dependency/));
    const dangling = { ...cyclic, resources: [{ ...cyclic.resources[0], dependsOn: ['missing'] }] };
    await assert.rejects(put(dangling), armRefusal(400, 'InvalidTemplate', /'missing' is not defined in the template/));
    const badName = {
      ...cyclic,
      resources: [{ type: 'Microsoft.Compute/galleries/images', apiVersion: '2022-03-03', name: 'only-one-segment' }],
    };
    await assert.rejects(put(badName), armRefusal(400, 'InvalidTemplate', /incorrect segment lengths/));
    const badExpression = {
      ...cyclic,
      resources: [{ ...cyclic.resources[0], name: "[concat('a', parameters('nope'))]", dependsOn: [] }],
    };
    await assert.rejects(put(badExpression), armRefusal(400, 'InvalidTemplate', /nope/));

    // Over raw HTTPS: the problem's target is its JSON path.
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(
      `${kiln.url}/subscriptions/${sub}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments/bad?api-version=2021-04-01`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { mode: 'Sideways', template: cyclic, extra: 1 } }),
      },
    );
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { details: { target: string }[] } }).error;
    assert.deepEqual(error.details.map((d) => d.target).sort(), ['properties.extra', 'properties.mode']);
    await assert.rejects(deployments.deployments.get(RG, 'bad'), armRefusal(404, 'DeploymentNotFound'));
  });

  it('fails the deployment naming the resource that failed, and starts nothing that depends on it', async () => {
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: [
        {
          type: 'Microsoft.Compute/galleries',
          apiVersion: '2022-03-03',
          name: 'galfail',
          location: 'westus',
        },
        {
          type: 'Microsoft.Compute/galleries/images',
          apiVersion: '2022-03-03',
          name: 'galfail/broken',
          location: 'westus',
          dependsOn: ['galfail'],
          properties: { osType: 'Plan9', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku: 's' } },
        },
        {
          type: 'Microsoft.Compute/galleries/images',
          apiVersion: '2022-03-03',
          name: 'galfail/after',
          location: 'westus',
          dependsOn: ["[resourceId('Microsoft.Compute/galleries/images', 'galfail', 'broken')]"],
          properties: { osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku: 't' } },
        },
      ],
    };
    const poller = deployments.deployments.createOrUpdate(
      RG,
      'failing',
      { properties: { mode: 'Incremental', template } },
      { updateIntervalInMs: 200 },
    );
    await assert.rejects(poller, /DeploymentFailed/);
    const failed = await deployments.deployments.get(RG, 'failing');
    assert.equal(failed.properties?.provisioningState, 'Failed');
    const detail = failed.properties?.error?.details?.[0];
    assert.match(detail?.message ?? '', /galfail\/broken.*resources\[1\]/);
    assert.match(detail?.message ?? '', /Plan9|osType/);
    await assert.rejects(
      compute.galleryImages.get(RG, 'galfail', 'after'),
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
    const operations = [];
    for await (const o of deployments.deploymentOperations.list(RG, 'failing')) operations.push(o);
    assert.deepEqual(
      operations
        .map((o) => [
          o.properties?.targetResource?.resourceName,
          o.properties?.provisioningState,
          o.properties?.statusCode,
        ])
        .sort(),
      [
        ['galfail', 'Succeeded', 'Created'],
        ['galfail/broken', 'Failed', 'BadRequest'],
      ].sort(),
    );
  });

  it('validates without deploying, and tells what a deployment would change', async () => {
    const parameters = { galleryName: { value: 'gal1' } };
    const valid = await deployments.deployments.validate(RG, 'check', {
      properties: { mode: 'Incremental', template: galleryTemplate, parameters },
    });
    assert.equal(valid.properties?.provisioningState, 'Succeeded');
    assert.equal(valid.properties?.validatedResources?.length, 3);
    await assert.rejects(deployments.deployments.get(RG, 'check'), armRefusal(404, 'DeploymentNotFound'));

    const changed = structuredClone(galleryTemplate);
    changed.resources[0].properties = { description: 'A new description' };
    const whatIf = await deployments.deployments.whatIf(RG, 'check', {
      properties: {
        mode: 'Incremental',
        template: changed,
        parameters: { ...parameters, definitionCount: { value: 3 } },
      },
    });
    const byName = Object.fromEntries((whatIf.changes ?? []).map((c) => [c.resourceId!.split('/').slice(-1)[0], c]));
    assert.equal(byName.gal1.changeType, 'Modify');
    assert.deepEqual(
      byName.gal1.delta?.map((d) => [d.path, d.propertyChangeType, d.before, d.after]),
      [['properties.description', 'Modify', 'Gallery gal1 in westus', 'A new description']],
    );
    assert.equal(byName.def1.changeType, 'NoChange');
    assert.equal(byName.def3.changeType, 'Create');
    assert.equal(
      (await compute.galleries.get(RG, 'gal1')).description,
      'Gallery gal1 in westus',
      'what-if changes nothing',
    );
  });

  it('runs nested deployments with inner and outer scope and reads their outputs', async () => {
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      parameters: { prefix: { type: 'string', defaultValue: 'nest' } },
      variables: { galleryName: "[concat(parameters('prefix'), 'gal')]" },
      resources: [
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'inner',
          properties: {
            mode: 'Incremental',
            expressionEvaluationOptions: { scope: 'inner' },
            parameters: { name: { value: "[variables('galleryName')]" } },
            template: {
              $schema: SCHEMA,
              contentVersion: '1.0.0.0',
              parameters: { name: { type: 'string' } },
              resources: [
                {
                  type: 'Microsoft.Compute/galleries',
                  apiVersion: '2022-03-03',
                  name: "[parameters('name')]",
                  location: '[resourceGroup().location]',
                },
              ],
              outputs: { made: { type: 'string', value: "[parameters('name')]" } },
            },
          },
        },
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'outer',
          dependsOn: ['inner'],
          properties: {
            mode: 'Incremental',
            template: {
              $schema: SCHEMA,
              contentVersion: '1.0.0.0',
              resources: [
                {
                  type: 'Microsoft.Compute/galleries/images',
                  apiVersion: '2022-03-03',
                  name: "[concat(variables('galleryName'), '/def')]",
                  location: 'westus',
                  properties: {
                    osType: 'Linux',
                    osState: 'Generalized',
                    identifier: { publisher: "[parameters('prefix')]", offer: 'o', sku: 's' },
                  },
                },
              ],
            },
          },
        },
      ],
      outputs: { fromInner: { type: 'string', value: "[reference('inner').outputs.made.value]" } },
    };
    const done = await deployments.deployments.createOrUpdate(
      RG,
      'nesting',
      { properties: { mode: 'Incremental', template } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    assert.deepEqual(done.properties?.outputs, { fromInner: { type: 'String', value: 'nestgal' } });
    assert.equal((await compute.galleryImages.get(RG, 'nestgal', 'def')).identifier?.publisher, 'nest');
    assert.equal((await deployments.deployments.get(RG, 'inner')).properties?.provisioningState, 'Succeeded');
  });

  it('deploys at subscription scope: a resource group and a nested deployment into it', async () => {
    const template = {
      $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { groupName: { type: 'string' } },
      resources: [
        {
          type: 'Microsoft.Resources/resourceGroups',
          apiVersion: '2022-09-01',
          name: "[parameters('groupName')]",
          location: 'eastus',
        },
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'into-group',
          resourceGroup: "[parameters('groupName')]",
          dependsOn: ["[resourceId('Microsoft.Resources/resourceGroups', parameters('groupName'))]"],
          properties: {
            mode: 'Incremental',
            expressionEvaluationOptions: { scope: 'inner' },
            template: {
              $schema: SCHEMA,
              contentVersion: '1.0.0.0',
              resources: [
                {
                  type: 'Microsoft.Compute/galleries',
                  apiVersion: '2022-03-03',
                  name: 'subgal',
                  location: '[resourceGroup().location]',
                },
              ],
            },
          },
        },
      ],
    };
    const done = await deployments.deployments.createOrUpdateAtSubscriptionScope(
      'sub-deploy',
      {
        location: 'eastus',
        properties: { mode: 'Incremental', template, parameters: { groupName: { value: 'made-by-deploy' } } },
      },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    assert.equal(done.location, 'eastus');
    assert.equal((await compute.galleries.get('made-by-deploy', 'subgal')).location, 'eastus');
    const atSubscription = [];
    for await (const d of deployments.deployments.listAtSubscriptionScope()) atSubscription.push(d.name);
    assert.deepEqual(atSubscription, ['sub-deploy'], 'group deployments are not listed at the subscription');
    await assert.rejects(
      deployments.deployments.createOrUpdateAtSubscriptionScope('no-location', {
        properties: { mode: 'Incremental', template },
      } as never),
      armRefusal(400, 'LocationRequired'),
    );
  });

  it('complete mode deletes what the group holds beyond the template, after what-if says so', async () => {
    await resources.resourceGroups.createOrUpdate('complete-rg', { location: 'westus' });
    await compute.galleries.beginCreateOrUpdateAndWait('complete-rg', 'keep', { location: 'westus' });
    await compute.galleries.beginCreateOrUpdateAndWait('complete-rg', 'extra', { location: 'westus' });
    await compute.disks.beginCreateOrUpdateAndWait('complete-rg', 'stray-disk', {
      location: 'westus',
      creationData: { createOption: 'Empty' },
      diskSizeGB: 1,
    });
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: [{ type: 'Microsoft.Compute/galleries', apiVersion: '2022-03-03', name: 'keep', location: 'westus' }],
    };
    const whatIf = await deployments.deployments.whatIf('complete-rg', 'complete', {
      properties: { mode: 'Complete', template },
    });
    assert.deepEqual((whatIf.changes ?? []).map((c) => [c.resourceId!.split('/').slice(-1)[0], c.changeType]).sort(), [
      ['extra', 'Delete'],
      ['keep', 'NoChange'],
      ['stray-disk', 'Delete'],
    ]);
    const done = await deployments.deployments.createOrUpdate(
      'complete-rg',
      'complete',
      { properties: { mode: 'Complete', template } },
      { updateIntervalInMs: 200 },
    );
    assert.equal(done.properties?.provisioningState, 'Succeeded', JSON.stringify(done.properties?.error));
    const left = [];
    for await (const g of compute.galleries.listByResourceGroup('complete-rg')) left.push(g.name);
    assert.deepEqual(left, ['keep']);
    await assert.rejects(
      compute.disks.get('complete-rg', 'stray-disk'),
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
    const operations = [];
    for await (const o of deployments.deploymentOperations.list('complete-rg', 'complete')) operations.push(o);
    assert.deepEqual(
      operations.map((o) => [o.properties?.provisioningOperation, o.properties?.targetResource?.resourceName]).sort(),
      [
        ['Create', 'keep'],
        ['Delete', 'extra'],
        ['Delete', 'stray-disk'],
      ],
    );
  });

  it('cancels a running deployment and deletes its history but not its resources', async () => {
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: Array.from({ length: 6 }, (_, i) => ({
        type: 'Microsoft.Compute/galleries',
        apiVersion: '2022-03-03',
        name: `serial${i}`,
        location: 'westus',
        dependsOn: i === 0 ? [] : [`serial${i - 1}`],
      })),
    };
    const poller = deployments.deployments.createOrUpdate(
      RG,
      'to-cancel',
      { properties: { mode: 'Incremental', template } },
      { updateIntervalInMs: 200 },
    );
    await poller.submitted();
    await deployments.deployments.cancel(RG, 'to-cancel');
    await assert.rejects(poller);
    const canceled = await deployments.deployments.get(RG, 'to-cancel');
    assert.equal(canceled.properties?.provisioningState, 'Canceled');
    await assert.rejects(
      deployments.deployments.cancel(RG, 'to-cancel'),
      armRefusal(409, 'DeploymentCannotBeCancelled'),
    );

    await deployments.deployments.delete(RG, 'gallery1');
    await assert.rejects(deployments.deployments.get(RG, 'gallery1'), armRefusal(404, 'DeploymentNotFound'));
    assert.equal(
      (await compute.galleries.get(RG, 'gal1')).name,
      'gal1',
      'deleting a deployment keeps what it deployed',
    );
  });

  it('lets a Reader read deployments but not deploy, and deploys as the principal that asked', async () => {
    const groupId = `/subscriptions/${sub}/resourceGroups/${RG}`;
    const reader = new DeploymentsClient(await principalCredential(kiln, 'deploy-reader', 'Reader', groupId), sub, {
      endpoint: kiln.url,
    });
    assert.equal((await reader.deployments.get(RG, 'nesting')).name, 'nesting');
    await assert.rejects(
      reader.deployments.createOrUpdate(RG, 'by-reader', {
        properties: { mode: 'Incremental', template: galleryTemplate, parameters: { galleryName: { value: 'rgal' } } },
      }),
      armRefusal(403, 'AuthorizationFailed'),
    );
  });
});
