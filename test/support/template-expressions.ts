// Template expression tests' helpers: a deployment scope (parameters and variables from plain objects,
// names without case as in ARM, a fixed subscription and resource group, copy loops by name, reference()
// and list*() calls recorded so tests see what an expression asked the engine for) and assertions on
// what expressions evaluate to or the reason they fail with.
import assert from 'node:assert/strict';
import { ArmError } from '../../src/core/arm-error.ts';
import {
  evaluateExpressionText,
  TemplateExpressionError,
  type ExpressionScope,
} from '../../src/domain/deployments/template/expressions/index.ts';

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const RESOURCE_GROUP = 'myRg';
export const RESOURCE_GROUP_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}`;

export interface ScopeCalls {
  reference: Array<[string, string | undefined, boolean]>;
  list: Array<[string, string, string, unknown]>;
  variables: string[];
}

const lookup = (values: Record<string, unknown>, name: string) =>
  Object.keys(values).find((key) => key.toLowerCase() === name.toLowerCase());

export function testScope(
  options: Partial<ExpressionScope> & {
    parameters?: Record<string, unknown>;
    variables?: Record<string, unknown>;
    copyIndexes?: Record<string, number>;
    calls?: ScopeCalls;
  } = {},
): ExpressionScope {
  const { parameters = {}, variables = {}, copyIndexes, calls, ...rest } = options;
  return {
    parameter(name) {
      const key = lookup(parameters, name);
      if (key === undefined)
        throw new ArmError(400, 'InvalidTemplate', `The template parameter '${name}' is not found.`);
      return parameters[key];
    },
    async variable(name) {
      calls?.variables.push(name);
      const key = lookup(variables, name);
      if (key === undefined)
        throw new ArmError(400, 'InvalidTemplate', `The template variable '${name}' is not found.`);
      return variables[key];
    },
    copyIndex(loop) {
      const index = copyIndexes?.[loop ?? ''];
      if (index === undefined)
        throw new ArmError(
          400,
          'InvalidTemplate',
          `The template function 'copyIndex' is not expected at this location.`,
        );
      return index;
    },
    deployment: () => ({
      name: 'myDeployment',
      properties: { templateLink: { uri: 'https://example.com/templates/azuredeploy.json' } },
    }),
    environment: () => ({ name: 'AzureCloud', resourceManager: 'https://management.azure.com/' }),
    subscription: () => ({
      id: `/subscriptions/${SUBSCRIPTION_ID}`,
      subscriptionId: SUBSCRIPTION_ID,
      tenantId: '11111111-1111-1111-1111-111111111111',
      displayName: 'Kiln',
    }),
    resourceGroup: () => ({
      id: RESOURCE_GROUP_ID,
      name: RESOURCE_GROUP,
      location: 'westus',
      properties: { provisioningState: 'Succeeded' },
    }),
    tenant: () => ({ tenantId: '11111111-1111-1111-1111-111111111111' }),
    async reference(target, apiVersion, full) {
      calls?.reference.push([target, apiVersion, full]);
      return full ? { id: target, properties: { state: 'ready' } } : { state: 'ready' };
    },
    async list(name, id, apiVersion, body) {
      calls?.list.push([name, id, apiVersion, body]);
      return { keys: [{ keyName: 'key1', value: 'secret' }] };
    },
    allowNonDeterministic: false,
    now: () => new Date('2019-03-05T17:53:18.123Z'),
    ...rest,
  };
}

export const evaluate = (text: string, scope: ExpressionScope = testScope()) =>
  evaluateExpressionText(text, scope, 'outputs.result.value');

/** The error an expression fails with (the test fails if it does not). */
export async function failureOf(text: string, scope: ExpressionScope = testScope()): Promise<TemplateExpressionError> {
  try {
    await evaluate(text, scope);
  } catch (error) {
    assert.ok(
      error instanceof TemplateExpressionError,
      `${text}: expected a TemplateExpressionError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`${text} was expected to fail`);
}

/** Each expression's value, compared deeply. */
export async function expectValues(
  rows: Array<[string, unknown]>,
  scope: ExpressionScope = testScope(),
): Promise<void> {
  for (const [text, expected] of rows) assert.deepEqual(await evaluate(text, scope), expected, text);
}

/** The reason each expression fails with: the whole text, or a pattern. */
export async function expectRefusals(
  rows: Array<[string, string | RegExp]>,
  scope: ExpressionScope = testScope(),
): Promise<void> {
  for (const [text, reason] of rows) {
    const error = await failureOf(text, scope);
    if (typeof reason === 'string') assert.equal(error.reason, reason, text);
    else assert.match(error.reason, reason, text);
  }
}
