/**
 * What a template's expressions see (the evaluator's ExpressionScope): the bound parameters, the
 * variables (evaluated once each, on first use, a cycle refused), the copy loops around the
 * expression, the deployment, its resource group, subscription and tenant, and, only while the
 * deployment runs, the resources it reads (`reference`, `list*`). At plan time those throw: a name,
 * type, condition, count or dependency cannot wait for a resource, as in ARM.
 */
import { userFunctionsFromTemplate, type ExpressionScope, type UserFunction } from './expressions/scope.ts';
import { evaluateValue } from './evaluate-value.ts';
import { invalidTemplate, isObject, member, reasonOf } from './template-error.ts';

/** ARM's bound on every copy loop. */
export const MAX_COPIES = 800;

export interface DeploymentFacts {
  name: string;
  subscription: { id: string; subscriptionId: string; tenantId: string; displayName: string };
  /** The group as GET answers it, for a deployment at a resource group. */
  resourceGroup?: Record<string, unknown>;
  tenantId: string;
  /** A subscription deployment's location. */
  location?: string;
  mode: string;
  template: Record<string, unknown>;
  templateLink?: unknown;
}

/** What only a running deployment can do: read resources through the provider, as its principal. */
export interface Runtime {
  reference(target: string, apiVersion: string | undefined, full: boolean): Promise<unknown>;
  list(functionName: string, resourceId: string, apiVersion: string, body: unknown): Promise<unknown>;
}

/** One copy loop around an expression: a resource's (`resource`), an output's, a variable's or a property's. */
export interface CopyLoop {
  name: string;
  index: number;
  /** What `copyIndex()` without a loop name counts. */
  unnamed?: boolean;
}

export class TemplateContext {
  private readonly variables = new Map<string, Promise<unknown>>();
  private readonly evaluating = new Set<string>();
  private functions?: ReadonlyMap<string, UserFunction>;

  constructor(
    readonly facts: DeploymentFacts,
    readonly parameters: Record<string, unknown>,
    private readonly runtime?: Runtime,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The scope of an expression inside `loops` (outermost first). */
  scope(loops: readonly CopyLoop[] = []): ExpressionScope {
    const { facts } = this;
    return {
      parameter: (name) => this.parameter(name),
      variable: (name) => this.variable(name),
      copyIndex: (loopName) => copyIndexIn(loops, loopName),
      deployment: () => ({
        name: facts.name,
        properties: {
          template: { contentVersion: member(facts.template, 'contentVersion') ?? '1.0.0.0' },
          ...(facts.templateLink !== undefined ? { templateLink: facts.templateLink } : {}),
          mode: facts.mode,
          provisioningState: 'Accepted',
        },
        ...(facts.location !== undefined ? { location: facts.location } : {}),
      }),
      environment: () => ENVIRONMENT,
      subscription: () => facts.subscription,
      resourceGroup: () => {
        if (!facts.resourceGroup)
          throw new Error("The template function 'resourceGroup' is not expected at this location.");
        return facts.resourceGroup;
      },
      tenant: () => ({ tenantId: facts.tenantId, countryCode: '', displayName: '' }),
      reference: (target, apiVersion, full) => this.live().reference(target, apiVersion, full),
      list: (fn, id, apiVersion, body) => this.live().list(fn, id, apiVersion, body),
      allowNonDeterministic: false,
      now: this.now,
      deploymentScope: facts.resourceGroup ? 'resourceGroup' : 'subscription',
      userFunctions: this.userFunctions(),
    };
  }

  /** The template's `functions` section, read once; a malformed one is the template's fault. */
  private userFunctions(): ReadonlyMap<string, UserFunction> {
    if (!this.functions) {
      try {
        this.functions = userFunctionsFromTemplate(
          member(this.facts.template, 'functions'),
          'properties.template.functions',
        );
      } catch (error) {
        throw invalidTemplate(reasonOf(error), 'properties.template.functions');
      }
    }
    return this.functions;
  }

  private live(): Runtime {
    if (this.runtime) return this.runtime;
    throw new Error(
      "The template function 'reference' or 'list' is not expected at this location: it can be used only in a resource's properties and outputs, once the deployment runs.",
    );
  }

  parameter(name: string): unknown {
    const key = Object.keys(this.parameters).find((p) => p.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw new Error(`The template parameter '${name}' is not found.`);
    return this.parameters[key];
  }

  variable(name: string): Promise<unknown> {
    const key = name.toLowerCase();
    const known = this.variables.get(key);
    if (known) return known;
    if (this.evaluating.has(key)) throw new Error(`The template variable '${name}' refers to itself (a cycle).`);
    this.evaluating.add(key);
    const evaluated = this.evaluateVariable(name).finally(() => this.evaluating.delete(key));
    this.variables.set(key, evaluated);
    return evaluated;
  }

  private async evaluateVariable(name: string): Promise<unknown> {
    const declared = member(this.facts.template, 'variables');
    const variables = isObject(declared) ? declared : {};
    const loop = variableLoops(variables).find((l) => String(member(l, 'name')).toLowerCase() === name.toLowerCase());
    if (loop) return this.evaluateVariableLoop(loop, name);
    const entry = Object.entries(variables).find(([k]) => k.toLowerCase() === name.toLowerCase() && k !== 'copy');
    if (!entry) throw new Error(`The template variable '${name}' is not found.`);
    return evaluateValue(entry[1], this, [], `variables.${entry[0]}`);
  }

  /** A variable made by the `copy` array of the variables section: `count` items of `input`. */
  private async evaluateVariableLoop(loop: Record<string, unknown>, name: string): Promise<unknown[]> {
    const path = `variables.copy[${name}]`;
    const count = await evaluateValue(member(loop, 'count'), this, [], `${path}.count`);
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_COPIES)
      throw invalidTemplate(
        `The copy count of variable '${name}' must be an integer from 0 to ${MAX_COPIES}.`,
        `${path}.count`,
      );
    const items: unknown[] = [];
    for (let index = 0; index < (count as number); index++) {
      items.push(await evaluateValue(member(loop, 'input'), this, [{ name, index, unnamed: true }], `${path}.input`));
    }
    return items;
  }
}

function variableLoops(variables: Record<string, unknown>): Record<string, unknown>[] {
  const loops = variables.copy;
  return Array.isArray(loops) ? loops.filter(isObject) : [];
}

function copyIndexIn(loops: readonly CopyLoop[], loopName: string | undefined): number {
  // The innermost loop that matches: loops are listed outermost first.
  const loop = [...loops]
    .reverse()
    .find((l) => (loopName === undefined ? l.unnamed : l.name.toLowerCase() === loopName.toLowerCase()));
  if (loop) return loop.index;
  throw new Error(
    loopName === undefined
      ? "The template function 'copyIndex' is not expected at this location: it is used only inside a copy loop."
      : `The template function 'copyIndex' refers to the copy loop '${loopName}', which does not surround it.`,
  );
}

/** Kiln's cloud as `environment()` tells it: Azure's public cloud names, since clients compare against them. */
const ENVIRONMENT = {
  name: 'AzureCloud',
  gallery: 'https://gallery.azure.com/',
  graph: 'https://graph.windows.net/',
  portal: 'https://portal.azure.com',
  graphAudience: 'https://graph.windows.net/',
  activeDirectoryDataLake: 'https://datalake.azure.net/',
  batch: 'https://batch.core.windows.net/',
  media: 'https://rest.media.azure.net',
  sqlManagement: 'https://management.core.windows.net:8443/',
  vmImageAliasDoc:
    'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json',
  resourceManager: 'https://management.azure.com/',
  authentication: {
    loginEndpoint: 'https://login.microsoftonline.com/',
    audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'],
    tenant: 'common',
    identityProvider: 'AAD',
  },
  suffixes: {
    acrLoginServer: '.azurecr.io',
    azureDatalakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
    azureDatalakeStoreFileSystem: 'azuredatalakestore.net',
    azureFrontDoorEndpointSuffix: 'azurefd.net',
    keyvaultDns: '.vault.azure.net',
    sqlServerHostname: '.database.windows.net',
    storage: 'core.windows.net',
  },
};
