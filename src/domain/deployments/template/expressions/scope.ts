/**
 * What an expression can see of its deployment, supplied by the deployment engine: parameters,
 * variables (evaluated lazily by the engine), the copy loop it sits in, the deployment's scope objects,
 * and the resources it may read (`reference`, `list*`). The evaluator does no I/O of its own.
 *
 * User-defined functions come from the template's `functions` section:
 *   [{ "namespace": "ns", "members": { "fn": { "parameters": [{ "name", "type" }], "output": { "type", "value" } } } }]
 * and are called as `ns.fn(...)`. Their bodies may use their own parameters, other functions and the
 * deployment's scope objects, but not variables, reference or list* (ARM's rule).
 *
 * A callback refuses (an undeclared parameter, copyIndex outside a loop, reference at plan time) by
 * throwing an ArmError or a plain Error whose message is ARM's; the evaluator reports it as the reason
 * the expression failed, with the expression and its path.
 */
import { ExpressionFailure } from './errors.ts';
import { isObject } from './values.ts';

export type DeploymentScopeKind = 'tenant' | 'managementGroup' | 'subscription' | 'resourceGroup';

export interface ExpressionScope {
  parameter(name: string): unknown;
  variable(name: string): Promise<unknown>;
  copyIndex(loopName?: string): number;
  deployment(): Record<string, unknown>;
  environment(): Record<string, unknown>;
  subscription(): { id: string; subscriptionId: string; tenantId: string; displayName: string };
  resourceGroup(): Record<string, unknown>;
  tenant(): Record<string, unknown>;
  reference(target: string, apiVersion: string | undefined, full: boolean): Promise<unknown>;
  list(functionName: string, resourceId: string, apiVersion: string, body: unknown): Promise<unknown>;
  providers?(namespace: string, resourceType?: string): Promise<unknown>;
  /** utcNow() and newGuid() are allowed only in a parameter's defaultValue (ARM's rule); the engine says where. */
  allowNonDeterministic: boolean;
  now(): Date;
  userFunctions?: ReadonlyMap<string, UserFunction>;
  /** Where the deployment is; decides what `resourceId()` builds on. Resource group when absent. */
  deploymentScope?: DeploymentScopeKind;
  /** `managementGroup()` at management group scope. */
  managementGroup?(): Record<string, unknown>;
  /** `deployer()`: the principal running the deployment. */
  deployer?(): Record<string, unknown>;
  /** `references(name, 'Full'?)`: the members of a resource collection of this template, by copy index. */
  references?(collection: string, full: boolean): Promise<unknown[]>;
  /** `pickZones(...)`: availability zones of a resource type in a region; none when absent. */
  pickZones?(namespace: string, resourceType: string, location: string, count: number, offset: number): string[];
}

export interface UserFunctionParameter {
  name: string;
  type: string;
}

export interface UserFunction {
  namespace: string;
  name: string;
  parameters: UserFunctionParameter[];
  output: { type: string; value: unknown };
}

const fail = (path: string, message: string) => new ExpressionFailure(`${path}: ${message}`);

/**
 * The template's `functions` section as the map `ExpressionScope.userFunctions` takes, keyed
 * `namespace.name` in lower case. Throws an ExpressionFailure naming the JSON path of a malformed entry.
 */
export function userFunctionsFromTemplate(functions: unknown, path = 'functions'): Map<string, UserFunction> {
  const map = new Map<string, UserFunction>();
  if (functions === undefined || functions === null) return map;
  if (!Array.isArray(functions)) throw fail(path, 'the functions section must be an array.');
  functions.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry) || typeof entry.namespace !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(entry.namespace))
      throw fail(`${at}.namespace`, 'a function namespace must be a name of letters, digits and underscores.');
    if (!isObject(entry.members)) throw fail(`${at}.members`, 'the members of a function namespace must be an object.');
    for (const [name, member] of Object.entries(entry.members)) {
      const memberAt = `${at}.members.${name}`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name))
        throw fail(memberAt, 'a function name must be a name of letters, digits and underscores.');
      if (!isObject(member) || !isObject(member.output) || typeof member.output.type !== 'string')
        throw fail(`${memberAt}.output`, "a function must declare an output with a 'type' and a 'value'.");
      const parameters = (member.parameters ?? []) as unknown;
      if (!Array.isArray(parameters)) throw fail(`${memberAt}.parameters`, 'the parameters must be an array.');
      const declared = parameters.map((parameter, j) => {
        if (!isObject(parameter) || typeof parameter.name !== 'string' || typeof parameter.type !== 'string')
          throw fail(`${memberAt}.parameters[${j}]`, "a function parameter must have a 'name' and a 'type'.");
        if ('defaultValue' in parameter)
          throw fail(`${memberAt}.parameters[${j}].defaultValue`, 'function parameters cannot have default values.');
        return { name: parameter.name, type: parameter.type };
      });
      const key = `${entry.namespace}.${name}`.toLowerCase();
      if (map.has(key)) throw fail(memberAt, `the function '${entry.namespace}.${name}' is defined more than once.`);
      map.set(key, {
        namespace: entry.namespace,
        name,
        parameters: declared,
        output: { type: member.output.type, value: member.output.value },
      });
    }
  });
  return map;
}
