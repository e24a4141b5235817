/**
 * Where `kiln deployment group` and `kiln deployment sub` deployments live: the flags naming the scope
 * (-g; -l for a subscription deployment's metadata), the ARM paths, and az's table views of a
 * deployment (`transform_deployment`, `deployment_validate_table_format`).
 */
import type { Args, Flag } from '../arm/args.ts';
import { RESOURCE_GROUP } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';

export interface DeploymentScope {
  /** The command group: `group` or `sub`. */
  name: 'group' | 'sub';
  /** How help says where: `at resource group`. */
  where: string;
  /** The flags naming the scope of an existing deployment. */
  flags: Flag[];
  /** The flags a new deployment needs besides its name and template (-l for a subscription's). */
  createFlags: Flag[];
  /** The scope's flags in help examples. */
  example: string;
  /** The collection of deployments at this scope. */
  collection(session: Session, args: Args): string;
  /** A request body: the subscription scope adds the location of the deployment's metadata. */
  body(args: Args, properties: Record<string, unknown>): Record<string, unknown>;
}

const enc = encodeURIComponent;
const PROVIDER = 'providers/Microsoft.Resources/deployments';

export const DEPLOYMENT_NAME: Flag = { name: 'name', short: 'n', required: true, help: 'The deployment name.' };

export const GROUP_SCOPE: DeploymentScope = {
  name: 'group',
  where: 'at resource group',
  flags: [RESOURCE_GROUP],
  createFlags: [{ ...RESOURCE_GROUP, help: 'The resource group to create deployment at.' }],
  example: '-g MyResourceGroup',
  collection: (session, args) =>
    `/subscriptions/${enc(session.subscription)}/resourcegroups/${enc(args.required('resource-group'))}/${PROVIDER}`,
  body: (_args, properties) => ({ properties }),
};

export const SUBSCRIPTION_SCOPE: DeploymentScope = {
  name: 'sub',
  where: 'at subscription scope',
  flags: [],
  createFlags: [
    {
      name: 'location',
      short: 'l',
      required: true,
      help: 'The location to store the deployment metadata, a Kiln region such as westus.',
    },
  ],
  example: '-l westus',
  collection: (session) => `/subscriptions/${enc(session.subscription)}/${PROVIDER}`,
  body: (args, properties) => ({ location: args.required('location'), properties }),
};

/** The path of the deployment `name` at the scope. */
export const deploymentPath = (scope: DeploymentScope, session: Session, args: Args, name = args.required('name')) =>
  `${scope.collection(session, args)}/${enc(name)}`;

interface DeploymentView {
  name?: string;
  resourceGroup?: string;
  properties?: { provisioningState?: string; timestamp?: string; mode?: string; correlationId?: string };
  error?: { code?: string; message?: string; details?: { message?: string }[] };
}

/** az's `transform_deployment`: name, state, timestamp, mode, and the group when there is one. */
export const deploymentTable = (item: Record<string, unknown>) => {
  const d = item as DeploymentView;
  return {
    Name: d.name,
    State: d.properties?.provisioningState,
    Timestamp: d.properties?.timestamp,
    Mode: d.properties?.mode,
    ...(d.resourceGroup ? { ResourceGroup: d.resourceGroup } : {}),
  };
};

/** az's `transform_deployments_list` shows deployments oldest first. */
export const byTimestamp = (items: unknown[]) =>
  [...(items as DeploymentView[])].sort((a, b) =>
    String(a.properties?.timestamp ?? '').localeCompare(String(b.properties?.timestamp ?? '')),
  );

/** az's `deployment_validate_table_format`: the result and correlation id, or the error. */
export const validationTable = (item: Record<string, unknown>) => {
  const d = item as DeploymentView;
  if (d.error)
    return {
      result: d.error.code,
      message: d.error.details?.[0]?.message ?? d.error.message,
    };
  return { result: d.properties?.provisioningState, correlationId: d.properties?.correlationId };
};
