// A template's resources planned before anything deploys (domain/deployments/template/plan.ts):
// copy loops (parallel and serial batches), conditions, child resources, ids at each scope, explicit
// and implicit dependencies, and what ARM refuses up front (cycles, names with the wrong number of
// segments, dependencies on nothing, a resource twice), each at its JSON path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArmError } from '../../src/core/arm-error.ts';
import { bindParameters } from '../../src/domain/deployments/template/parameters.ts';
import { planResources, type PlannedResource } from '../../src/domain/deployments/template/plan.ts';
import { TemplateContext, type DeploymentFacts } from '../../src/domain/deployments/template/template-scope.ts';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/rg`;

function facts(template: Record<string, unknown>, atSubscription = false): DeploymentFacts {
  return {
    name: 'test',
    subscription: { id: `/subscriptions/${SUB}`, subscriptionId: SUB, tenantId: 't', displayName: 'Kiln' },
    ...(atSubscription ? { location: 'westus' } : { resourceGroup: { id: RG_ID, name: 'rg', location: 'westus' } }),
    tenantId: 't',
    mode: 'Incremental',
    template,
  };
}

async function plan(template: Record<string, unknown>, given: Record<string, unknown> = {}, atSubscription = false) {
  const f = facts(template, atSubscription);
  const bound = await bindParameters(template, given, new TemplateContext(f, {}).scope());
  return planResources(new TemplateContext(f, bound.values), {
    subscription: SUB,
    ...(atSubscription ? {} : { resourceGroup: 'rg' }),
  });
}

const byName = (planned: PlannedResource[]) => new Map(planned.map((p) => [p.name, p]));
const depsOf = (planned: PlannedResource[], name: string) => {
  const keys = new Map(planned.map((p) => [p.key, p.name]));
  return byName(planned)
    .get(name)!
    .dependsOn.map((k) => keys.get(k))
    .sort();
};

const refused = (pattern: RegExp, target?: string) => (error: unknown) => {
  assert.ok(error instanceof ArmError, String(error));
  assert.equal(error.code, 'InvalidTemplate');
  assert.match(error.message, pattern);
  if (target !== undefined) assert.equal(error.target, target);
  return true;
};

const gallery = (name: string, more: Record<string, unknown> = {}) => ({
  type: 'Microsoft.Compute/galleries',
  apiVersion: '2022-03-03',
  name,
  location: 'westus',
  ...more,
});

describe('deployment plans', () => {
  it('expands copy loops, names children after their parent, and skips false conditions', async () => {
    const planned = await plan(
      {
        parameters: { count: { type: 'int', defaultValue: 3 } },
        resources: [
          gallery("[concat('g', copyIndex(1))]", { copy: { name: 'galleries', count: "[parameters('count')]" } }),
          gallery('parent', {
            resources: [{ type: 'images', apiVersion: '2022-03-03', name: 'child', location: 'westus' }],
          }),
          gallery('skipped', { condition: false }),
        ],
      },
      { count: 2 },
    );
    assert.deepEqual(
      planned.map((p) => [p.name, p.type, p.key]),
      [
        ['g1', 'Microsoft.Compute/galleries', 'properties.template.resources[0][0]'],
        ['g2', 'Microsoft.Compute/galleries', 'properties.template.resources[0][1]'],
        ['parent', 'Microsoft.Compute/galleries', 'properties.template.resources[1]'],
        ['parent/child', 'Microsoft.Compute/galleries/images', 'properties.template.resources[1].resources[0]'],
      ],
    );
    assert.equal(
      byName(planned).get('parent/child')!.id,
      `${RG_ID}/providers/Microsoft.Compute/galleries/parent/images/child`,
    );
    assert.deepEqual(depsOf(planned, 'parent/child'), ['parent'], 'a child waits for its parent');
  });

  it('resolves dependsOn by name, by resource id and by copy loop name, and finds reference() targets', async () => {
    const planned = await plan({
      resources: [
        gallery("[concat('loop', copyIndex())]", { copy: { name: 'loop', count: 2 } }),
        gallery('a'),
        gallery('b', { dependsOn: ['a', 'loop'] }),
        gallery('c', { dependsOn: ["[resourceId('Microsoft.Compute/galleries', 'b')]"] }),
        gallery('d', { properties: { description: "[reference('c').identifier.uniqueName]" } }),
        gallery('e', {
          properties: {
            description: "[string(reference(resourceId('Microsoft.Compute/galleries', 'a'), '2022-03-03'))]",
          },
        }),
        gallery('f', { dependsOn: ['skipped'] }),
        gallery('skipped', { condition: '[equals(1, 2)]' }),
      ],
    });
    assert.deepEqual(depsOf(planned, 'b'), ['a', 'loop0', 'loop1']);
    assert.deepEqual(depsOf(planned, 'c'), ['b']);
    assert.deepEqual(depsOf(planned, 'd'), ['c'], 'reference() by name is an implicit dependency');
    assert.deepEqual(depsOf(planned, 'e'), ['a'], 'reference() by id is one too');
    assert.deepEqual(depsOf(planned, 'f'), [], 'a dependency on a resource whose condition is false is dropped');
  });

  it('serial copy loops deploy in batches', async () => {
    const planned = await plan({
      resources: [
        gallery("[concat('s', copyIndex())]", { copy: { name: 's', count: 5, mode: 'Serial', batchSize: 2 } }),
      ],
    });
    assert.deepEqual(depsOf(planned, 's0'), []);
    assert.deepEqual(depsOf(planned, 's1'), []);
    assert.deepEqual(depsOf(planned, 's2'), ['s0', 's1']);
    assert.deepEqual(depsOf(planned, 's4'), ['s2', 's3']);
  });

  it('gives ids at the scope each resource names', async () => {
    const planned = await plan(
      {
        resources: [
          { type: 'Microsoft.Resources/resourceGroups', apiVersion: '2022-09-01', name: 'made', location: 'westus' },
          {
            type: 'Microsoft.Resources/deployments',
            apiVersion: '2022-09-01',
            name: 'nested',
            resourceGroup: 'made',
            properties: { mode: 'Incremental', template: {} },
          },
          {
            type: 'Microsoft.Authorization/roleAssignments',
            apiVersion: '2022-04-01',
            name: 'ra',
            scope: `/subscriptions/${SUB}/resourceGroups/made/providers/Microsoft.Compute/galleries/g`,
            properties: {},
          },
        ],
      },
      {},
      true,
    );
    const ids = planned.map((p) => p.id);
    assert.deepEqual(ids, [
      `/subscriptions/${SUB}/resourceGroups/made`,
      `/subscriptions/${SUB}/resourceGroups/made/providers/Microsoft.Resources/deployments/nested`,
      `/subscriptions/${SUB}/resourceGroups/made/providers/Microsoft.Compute/galleries/g/providers/Microsoft.Authorization/roleAssignments/ra`,
    ]);
    assert.ok(byName(planned).get('nested')!.deployment);
  });

  it('refuses what ARM refuses before deploying, at its JSON path', async () => {
    await assert.rejects(
      plan({ resources: [gallery('a', { dependsOn: ['b'] }), gallery('b', { dependsOn: ['a'] })] }),
      refused(/Circular dependency/),
    );
    await assert.rejects(
      plan({ resources: [gallery('a', { dependsOn: ['nowhere'] })] }),
      refused(/'nowhere' is not defined/, 'properties.template.resources[0].dependsOn'),
    );
    await assert.rejects(
      plan({ resources: [{ type: 'Microsoft.Compute/galleries/images', apiVersion: '1', name: 'x' }] }),
      refused(/incorrect segment lengths/, 'properties.template.resources[0].name'),
    );
    await assert.rejects(plan({ resources: [gallery('a'), gallery('A')] }), refused(/defined multiple times/));
    await assert.rejects(
      plan({ resources: [{ type: 'Microsoft.Compute/galleries', name: 'x' }] }),
      refused(/must have a 'apiVersion'/, 'properties.template.resources[0].apiVersion'),
    );
    await assert.rejects(
      plan({ resources: [gallery("[parameters('missing')]")] }),
      refused(/missing/, 'properties.template.resources[0].name'),
    );
    await assert.rejects(
      plan({ resources: [gallery("[reference('x').name]")] }),
      refused(/reference/),
      'a name cannot wait for a resource',
    );
    await assert.rejects(
      plan({ resources: [gallery('g', { copy: { name: 'l', count: -1 } })] }),
      refused(/copy count/, 'properties.template.resources[0].copy.count'),
    );
  });

  it('binds parameters with their types, defaults, allowed values and bounds, every problem at once', async () => {
    const template = {
      parameters: {
        name: { type: 'string', minLength: 2 },
        size: { type: 'int', defaultValue: '[add(1, 2)]', maxValue: 5 },
        tier: { type: 'string', allowedValues: ['Standard', 'Premium'], defaultValue: 'Standard' },
        stamp: { type: 'string', defaultValue: "[utcNow('yyyy')]" },
        secret: { type: 'secureString' },
      },
    };
    const f = facts(template);
    const bound = await bindParameters(template, { name: 'ab', secret: 'pw' }, new TemplateContext(f, {}).scope());
    assert.equal(bound.values.size, 3);
    assert.match(String(bound.values.stamp), /^\d{4}$/, 'utcNow() is allowed in a default value');
    assert.deepEqual(bound.secure, ['secret']);
    assert.equal(bound.types.secret, 'SecureString');
    await assert.rejects(
      bindParameters(template, { name: 'a', size: '4', tier: 'Basic' }, new TemplateContext(f, {}).scope()),
      (error: unknown) => {
        assert.ok(error instanceof ArmError);
        const targets = error.details.map((d) => d.target).sort();
        assert.deepEqual(targets, [
          'properties.parameters.name',
          'properties.parameters.secret',
          'properties.parameters.size',
          'properties.parameters.tier',
        ]);
        return true;
      },
    );
  });
});
