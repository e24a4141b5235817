/**
 * Resource functions: resourceId, subscriptionResourceId, managementGroupResourceId, tenantResourceId,
 * extensionResourceId, reference, references, list*, providers, pickZones.
 *
 * The id functions build ids from a type ('Microsoft.Network/virtualNetworks/subnets': a namespace and
 * type segments) and one name per type segment, in type/name pairs after the namespace; a count that
 * does not match is ARM's error. resourceId takes an optional subscription id and resource group name
 * before the type (found as the first argument containing '/') and builds on the deployment's scope:
 * a resource group id at resource group scope, a subscription id at subscription scope, a tenant id at
 * management group and tenant scope. reference and list* pass what the call says to the engine, which
 * resolves names of resources in the same template.
 */
import { ExpressionFailure, functionFailure } from '../errors.ts';
import { integerArg, stringArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

/** `{namespace}/{type1}/{name1}/{type2}/{name2}...` from a type and its names. */
function typedPath(type: string, names: string[], context: CallContext): string {
  const segments = type.split('/').filter((segment) => segment !== '');
  if (segments.length < 2)
    throw functionFailure(
      context.name,
      `the type '${type}' is not a valid resource type: it must name a provider namespace and at least one type, such as 'Microsoft.Storage/storageAccounts'.`,
    );
  const [namespace, ...types] = segments;
  if (names.length !== types.length)
    throw functionFailure(context.name, `the type '${type}' requires '${types.length}' resource name argument(s).`);
  return [namespace, ...types.flatMap((t, i) => [t, names[i]])].join('/');
}

function strings(args: unknown[], context: CallContext): string[] {
  return args.map((_, i) => stringArg(context, args, i));
}

const subscriptionId = (context: CallContext) => context.scope.subscription().subscriptionId;

function resourceGroupName(context: CallContext): string {
  const name = context.scope.resourceGroup().name;
  if (typeof name !== 'string') throw functionFailure(context.name, 'the deployment has no resource group.');
  return name;
}

function resourceId(args: unknown[], context: CallContext): string {
  const values = strings(args, context);
  const typeAt = values.findIndex((value) => value.includes('/'));
  if (typeAt < 0 || typeAt > 2)
    throw functionFailure(
      context.name,
      "the resource type (a provider namespace and type such as 'Microsoft.Storage/storageAccounts') must be the first, second or third parameter.",
    );
  const path = typedPath(values[typeAt], values.slice(typeAt + 1), context);
  const kind = context.scope.deploymentScope ?? 'resourceGroup';
  if (typeAt === 2) return `/subscriptions/${values[0]}/resourceGroups/${values[1]}/providers/${path}`;
  if (typeAt === 1) {
    if (kind === 'tenant' || kind === 'managementGroup')
      throw functionFailure(
        context.name,
        `a resource group name can only be given with a subscription id in a deployment to a ${kind === 'tenant' ? 'tenant' : 'management group'}.`,
      );
    return `/subscriptions/${subscriptionId(context)}/resourceGroups/${values[0]}/providers/${path}`;
  }
  if (kind === 'resourceGroup')
    return `/subscriptions/${subscriptionId(context)}/resourceGroups/${resourceGroupName(context)}/providers/${path}`;
  if (kind === 'subscription') return `/subscriptions/${subscriptionId(context)}/providers/${path}`;
  return `/providers/${path}`;
}

/** subscriptionResourceId and managementGroupResourceId: an optional scope name before the type. */
function scopedId(
  name: string,
  prefix: (scopeName: string) => string,
  current: (context: CallContext) => string,
): TemplateFunction {
  return define(name, 2, Infinity, (args, context) => {
    const values = strings(args, context);
    const explicit = !values[0].includes('/');
    const scopeName = explicit ? values[0] : current(context);
    const rest = explicit ? values.slice(1) : values;
    if (rest.length === 0) throw functionFailure(name, 'the resource type is missing.');
    return `${prefix(scopeName)}/providers/${typedPath(rest[0], rest.slice(1), context)}`;
  });
}

function currentManagementGroup(context: CallContext): string {
  const group = context.scope.managementGroup?.();
  if ((context.scope.deploymentScope ?? 'resourceGroup') !== 'managementGroup' || typeof group?.name !== 'string')
    throw functionFailure(
      context.name,
      'a management group id must be given outside a deployment to a management group.',
    );
  return group.name;
}

/** `list*(resourceId, apiVersion, functionValues?)` under the name as written (listKeys, listSecrets, ...). */
export function listFunction(writtenName: string): TemplateFunction {
  return {
    name: writtenName,
    min: 2,
    max: 3,
    call(args, context) {
      const id = stringArg(context, args, 0);
      const apiVersion = stringArg(context, args, 1);
      return context.scope.list(writtenName, id, apiVersion, args[2]);
    },
  };
}

export const resourceFunctions: TemplateFunction[] = [
  define('resourceId', 2, Infinity, resourceId),
  scopedId('subscriptionResourceId', (id) => `/subscriptions/${id}`, subscriptionId),
  scopedId(
    'managementGroupResourceId',
    (id) => `/providers/Microsoft.Management/managementGroups/${id}`,
    currentManagementGroup,
  ),
  define('tenantResourceId', 2, Infinity, (args, context) => {
    const [type, ...names] = strings(args, context);
    return `/providers/${typedPath(type, names, context)}`;
  }),
  define('extensionResourceId', 3, Infinity, (args, context) => {
    const [base, type, ...names] = strings(args, context);
    return `${base.replace(/\/+$/, '')}/providers/${typedPath(type, names, context)}`;
  }),
  define('reference', 1, 3, (args, context) => {
    const target = stringArg(context, args, 0);
    const apiVersion = args.length > 1 ? stringArg(context, args, 1) : undefined;
    const full = args.length > 2 ? fullOrProperties(args, context) : false;
    return context.scope.reference(target, apiVersion, full);
  }),
  define('references', 1, 2, (args, context) => {
    const collection = stringArg(context, args, 0);
    const full = args.length > 1 ? fullOrProperties(args, context) : false;
    if (!context.scope.references)
      throw new ExpressionFailure("The template function 'references' is not available in this deployment.");
    return context.scope.references(collection, full);
  }),
  define('providers', 1, 2, (args, context) => {
    const namespace = stringArg(context, args, 0);
    const type = args.length > 1 ? stringArg(context, args, 1) : undefined;
    if (!context.scope.providers)
      throw new ExpressionFailure("The template function 'providers' is not available in this deployment.");
    return context.scope.providers(namespace, type);
  }),
  define('pickZones', 3, 5, (args, context) => {
    const [namespace, type, location] = [0, 1, 2].map((i) => stringArg(context, args, i));
    const count = args.length > 3 ? integerArg(context, args, 3) : 1;
    const offset = args.length > 4 ? integerArg(context, args, 4) : 0;
    return context.scope.pickZones?.(namespace, type, location, count, offset) ?? [];
  }),
];

/** The 'Full' or 'Properties' argument of reference/references: whether the whole resource is wanted. */
function fullOrProperties(args: unknown[], context: CallContext): boolean {
  const index = context.name === 'reference' ? 2 : 1;
  const value = stringArg(context, args, index);
  if (/^full$/i.test(value)) return true;
  if (/^properties$/i.test(value)) return false;
  throw functionFailure(context.name, `the last parameter must be 'Full' or 'Properties'; it is '${value}'.`);
}
