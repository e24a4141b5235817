/**
 * Replays one of Azure's published REST API examples (the copies in test/api/spec-examples/) against
 * a running Kiln and says where the answer departs from it.
 *
 * An example file is `{ parameters, responses }`: the path parameters, the api-version (`api-version`,
 * or `version` in older GalleryRP files), the body parameter under the operation's own name, and the
 * responses by status. The request is the operation's method (OPERATIONS, copied from the spec's
 * paths) on its path with the parameters filled in, after the adaptation the caller asks for: every
 * string of the parameters goes through `replace` (Kiln's subscription for `{subscription-id}`, the
 * names and ids of prerequisites the test made), then `edit` may change the body further.
 *
 * The comparison rule, what "passes" means:
 * 1. Kiln answers one of the statuses the example lists.
 * 2. The headers the example lists for that status (Location, Azure-AsyncOperation) are sent.
 * 3. The body is about the request: every leaf (string, number, boolean) of the request body that the
 *    example's response for that status (or, when that status has no body, the first one listed) also
 *    shows at the same path comes back at that path with the request's value. Strings compare as ARM
 *    compares names, ids and regions: case-insensitively, ignoring spaces and a leading '/' ('West US'
 *    is 'westus'). Properties only the response has (provisioningState, timeCreated, replicaCount...)
 *    are not compared: the examples' values for them are samples; neither are request properties the
 *    example's own response leaves out.
 * 4. A read (GET or list) sends no body; it is compared as the write that made the resource (`seed`):
 *    the resource read, or the list member of the seed's name, must show what the seed sent where the
 *    example's read response shows it.
 * A write answered with Azure-AsyncOperation (or a 202 with Location) is polled as a client polls,
 * so the next example finds the resource settled.
 */
import type { TestServer } from './test-server.ts';

/** The spec's operations Kiln serves, by operationId: method, path template, body parameter name. */
const RG = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';
const GALLERY = `${RG}/providers/Microsoft.Compute/galleries/{galleryName}`;
const DEFINITION = `${GALLERY}/images/{galleryImageName}`;
const VERSION = `${DEFINITION}/versions/{galleryImageVersionName}`;
const DISK = `${RG}/providers/Microsoft.Compute/disks/{diskName}`;
const SNAPSHOT = `${RG}/providers/Microsoft.Compute/snapshots/{snapshotName}`;
const IMAGE = `${RG}/providers/Microsoft.Compute/images/{imageName}`;
const TEMPLATE = `${RG}/providers/Microsoft.VirtualMachineImages/imageTemplates/{imageTemplateName}`;
const NETWORK = `${RG}/providers/Microsoft.Network`;
const VNET = `${NETWORK}/virtualNetworks/{virtualNetworkName}`;
const NSG = `${NETWORK}/networkSecurityGroups/{networkSecurityGroupName}`;
const PUBLIC_IP = `${NETWORK}/publicIPAddresses/{publicIpAddressName}`;
const NIC = `${NETWORK}/networkInterfaces/{networkInterfaceName}`;
const IDENTITY = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}`;
const ASSIGNMENT = '/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}';
const ROLE = '/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}';
const TAGS = '/{scope}/providers/Microsoft.Resources/tags/default';
const LOCATION = '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}';
const FEATURES = '/subscriptions/{subscriptionId}/providers/Microsoft.Features';
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/{vmName}`;
const OFFER = `${LOCATION}/publishers/{publisherName}/artifacttypes/vmimage/offers/{offer}`;

interface Operation {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  /** Query parameters the operation takes besides api-version, sent when the example gives them. */
  query?: string[];
}

/** The usual five of a resource type: create, read, update, delete, list (by the parent path). */
function crud(type: string, path: string, list: string, body: string, listName = 'ListByResourceGroup') {
  return {
    [`${type}_CreateOrUpdate`]: { method: 'PUT', path, body },
    [`${type}_Get`]: { method: 'GET', path },
    [`${type}_Update`]: { method: 'PATCH', path, body },
    [`${type}_Delete`]: { method: 'DELETE', path },
    [`${type}_${listName}`]: { method: 'GET', path: list },
  } satisfies Record<string, Operation>;
}

export const OPERATIONS: Record<string, Operation> = {
  ...crud('Galleries', GALLERY, `${RG}/providers/Microsoft.Compute/galleries`, 'gallery'),
  Galleries_List: { method: 'GET', path: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/galleries' },
  GallerySharingProfile_Update: { method: 'POST', path: `${GALLERY}/share`, body: 'sharingUpdate' },
  ...crud('GalleryImages', DEFINITION, `${GALLERY}/images`, 'galleryImage', 'ListByGallery'),
  ...crud('GalleryImageVersions', VERSION, `${DEFINITION}/versions`, 'galleryImageVersion', 'ListByGalleryImage'),
  ...crud('Disks', DISK, `${RG}/providers/Microsoft.Compute/disks`, 'disk'),
  Disks_GrantAccess: { method: 'POST', path: `${DISK}/beginGetAccess`, body: 'grantAccessData' },
  Disks_RevokeAccess: { method: 'POST', path: `${DISK}/endGetAccess` },
  ...crud('Snapshots', SNAPSHOT, `${RG}/providers/Microsoft.Compute/snapshots`, 'snapshot'),
  Snapshots_GrantAccess: { method: 'POST', path: `${SNAPSHOT}/beginGetAccess`, body: 'grantAccessData' },
  ...crud('Images', IMAGE, `${RG}/providers/Microsoft.Compute/images`, 'parameters'),
  ...crud(
    'VirtualMachineImageTemplates',
    TEMPLATE,
    `${RG}/providers/Microsoft.VirtualMachineImages/imageTemplates`,
    'parameters',
  ),
  VirtualMachineImageTemplates_List: {
    method: 'GET',
    path: '/subscriptions/{subscriptionId}/providers/Microsoft.VirtualMachineImages/imageTemplates',
  },
  VirtualMachineImageTemplates_Run: { method: 'POST', path: `${TEMPLATE}/run` },
  VirtualMachineImageTemplates_Cancel: { method: 'POST', path: `${TEMPLATE}/cancel` },
  VirtualMachineImageTemplates_ListRunOutputs: { method: 'GET', path: `${TEMPLATE}/runOutputs` },
  Triggers_CreateOrUpdate: { method: 'PUT', path: `${TEMPLATE}/triggers/{triggerName}`, body: 'parameters' },
  Triggers_Get: { method: 'GET', path: `${TEMPLATE}/triggers/{triggerName}` },
  Triggers_ListByImageTemplate: { method: 'GET', path: `${TEMPLATE}/triggers` },
  Triggers_Delete: { method: 'DELETE', path: `${TEMPLATE}/triggers/{triggerName}` },
  SharedGalleries_Get: { method: 'GET', path: `${LOCATION}/sharedGalleries/{galleryUniqueName}` },
  CommunityGalleries_Get: { method: 'GET', path: `${LOCATION}/communityGalleries/{publicGalleryName}` },
  SoftDeletedResource_ListByArtifactName: {
    method: 'GET',
    path: `${GALLERY}/softDeletedArtifactTypes/{artifactType}/artifacts/{artifactName}/versions`,
  },
  VirtualNetworks_CreateOrUpdate: { method: 'PUT', path: VNET, body: 'parameters' },
  VirtualNetworks_Get: { method: 'GET', path: VNET },
  VirtualNetworks_UpdateTags: { method: 'PATCH', path: VNET, body: 'parameters' },
  VirtualNetworks_Delete: { method: 'DELETE', path: VNET },
  Subnets_CreateOrUpdate: { method: 'PUT', path: `${VNET}/subnets/{subnetName}`, body: 'subnetParameters' },
  Subnets_Get: { method: 'GET', path: `${VNET}/subnets/{subnetName}` },
  Subnets_Delete: { method: 'DELETE', path: `${VNET}/subnets/{subnetName}` },
  NetworkSecurityGroups_CreateOrUpdate: { method: 'PUT', path: NSG, body: 'parameters' },
  NetworkSecurityGroups_Delete: { method: 'DELETE', path: NSG },
  DefaultSecurityRules_Get: { method: 'GET', path: `${NSG}/defaultSecurityRules/{defaultSecurityRuleName}` },
  PublicIPAddresses_CreateOrUpdate: { method: 'PUT', path: PUBLIC_IP, body: 'parameters' },
  PublicIPAddresses_Get: { method: 'GET', path: PUBLIC_IP },
  PublicIPAddresses_Delete: { method: 'DELETE', path: PUBLIC_IP },
  NetworkInterfaces_CreateOrUpdate: { method: 'PUT', path: NIC, body: 'parameters' },
  NetworkInterfaces_Delete: { method: 'DELETE', path: NIC },
  UserAssignedIdentities_CreateOrUpdate: { method: 'PUT', path: IDENTITY, body: 'parameters' },
  UserAssignedIdentities_Update: { method: 'PATCH', path: IDENTITY, body: 'parameters' },
  UserAssignedIdentities_Delete: { method: 'DELETE', path: IDENTITY },
  UserAssignedIdentities_ListBySubscription: {
    method: 'GET',
    path: '/subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities',
  },
  RoleAssignments_Create: { method: 'PUT', path: ASSIGNMENT, body: 'parameters' },
  RoleAssignments_Get: { method: 'GET', path: ASSIGNMENT },
  RoleAssignments_Delete: { method: 'DELETE', path: ASSIGNMENT },
  RoleAssignments_ListForResourceGroup: {
    method: 'GET',
    path: `${RG}/providers/Microsoft.Authorization/roleAssignments`,
  },
  Permissions_ListForResource: {
    method: 'GET',
    path: `${RG}/providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}/providers/Microsoft.Authorization/permissions`,
  },
  RoleDefinitions_CreateOrUpdate: { method: 'PUT', path: ROLE, body: 'roleDefinition' },
  RoleDefinitions_Get: { method: 'GET', path: ROLE },
  VirtualMachines_CreateOrUpdate: { method: 'PUT', path: VM, body: 'parameters' },
  VirtualMachines_Get: { method: 'GET', path: VM, query: ['$expand'] },
  VirtualMachines_InstanceView: { method: 'GET', path: `${VM}/instanceView` },
  VirtualMachines_PowerOff: { method: 'POST', path: `${VM}/powerOff` },
  VirtualMachines_Start: { method: 'POST', path: `${VM}/start` },
  VirtualMachines_Deallocate: { method: 'POST', path: `${VM}/deallocate` },
  VirtualMachines_Delete: { method: 'DELETE', path: VM, query: ['forceDeletion'] },
  VirtualMachineImages_Get: { method: 'GET', path: `${OFFER}/skus/{skus}/versions/{version}` },
  VirtualMachineImages_List: { method: 'GET', path: `${OFFER}/skus/{skus}/versions` },
  VirtualMachineImages_ListSkus: { method: 'GET', path: `${OFFER}/skus` },
  VirtualMachineRunCommands_List: { method: 'GET', path: `${LOCATION}/runCommands` },
  VirtualMachineRunCommands_Get: { method: 'GET', path: `${LOCATION}/runCommands/{commandId}` },
  Providers_List: { method: 'GET', path: '/subscriptions/{subscriptionId}/providers' },
  Tenants_List: { method: 'GET', path: '/tenants' },
  Features_ListAll: { method: 'GET', path: `${FEATURES}/features` },
  Features_List: { method: 'GET', path: `${FEATURES}/providers/{resourceProviderNamespace}/features` },
  SubscriptionFeatureRegistrations_ListBySubscription: {
    method: 'GET',
    path: `${FEATURES}/featureProviders/{providerNamespace}/subscriptionFeatureRegistrations`,
  },
  ResourceGroups_CreateOrUpdate: { method: 'PUT', path: RG, body: 'parameters' },
  Tags_CreateOrUpdateAtScope: { method: 'PUT', path: TAGS, body: 'parameters' },
  Tags_UpdateAtScope: { method: 'PATCH', path: TAGS, body: 'parameters' },
  Tags_GetAtScope: { method: 'GET', path: TAGS },
  Deployments_CreateOrUpdate: {
    method: 'PUT',
    path: `${RG}/providers/Microsoft.Resources/deployments/{deploymentName}`,
    body: 'parameters',
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- examples are free-form JSON
type Json = any;

export interface Example {
  parameters: Record<string, Json>;
  responses: Record<string, { headers?: Record<string, string>; body?: Json }>;
}

export interface Adaptation {
  /** Substrings replaced in every string of the parameters (placeholders, names of prerequisites). */
  replace: Record<string, string>;
  /** Further changes to the adapted parameters (a size Kiln can make quickly, a name of its own). */
  edit?: (parameters: Record<string, Json>) => void;
  /** The write that made what a read reads: its resource's name and adapted request body. */
  seed?: { name: string; body: Json };
}

export interface Replayed {
  status: number;
  body: Json;
  /** The resource's name and the adapted request body, the seed of later reads of it. */
  name: string;
  sent: Json;
  /** Where the answer departs from the example; empty when it passes. */
  problems: string[];
}

export async function replayExample(
  kiln: TestServer,
  token: string,
  operationId: string,
  example: Example,
  adaptation: Adaptation,
): Promise<Replayed> {
  const operation = OPERATIONS[operationId];
  if (!operation) throw new Error(`no operation ${operationId} in the replay table`);
  const parameters = substitute(structuredClone(example.parameters), adaptation.replace);
  adaptation.edit?.(parameters);
  const apiVersion = parameters['api-version'] ?? parameters.version;
  let name = '';
  const path = operation.path.replace(/\{(\w+)\}/g, (_, parameter: string) => {
    const value = parameters[parameter];
    if (typeof value !== 'string') throw new Error(`the example has no path parameter ${parameter}`);
    // A scope or a parent path is a path of its own (`subscriptions/{id}/resourceGroups/{name}`), written as given.
    if (parameter === 'scope' || parameter === 'parentResourcePath') return value.replace(/^\//, '');
    name = value;
    return encodeURIComponent(value);
  });
  const sent = operation.body ? parameters[operation.body] : undefined;
  const query = new URLSearchParams({ 'api-version': apiVersion });
  for (const name of operation.query ?? []) if (parameters[name] !== undefined) query.set(name, parameters[name]);
  const response = await call(kiln, token, operation.method, `${path}?${query}`, sent);
  const problems: string[] = [];
  const listed = example.responses[String(response.status)];
  if (!listed) {
    const error = response.body?.error;
    problems.push(
      `answered ${response.status}${error ? ` ${error.code}: ${error.message}` : ''}; the example lists ${Object.keys(example.responses).join(', ')}`,
    );
    return { status: response.status, body: response.body, name, sent, problems };
  }
  for (const header of Object.keys(listed.headers ?? {}))
    if (!response.headers.get(header)) problems.push(`no ${header} header with ${response.status}`);
  const shown = listed.body ?? Object.values(example.responses).find((r) => r.body)?.body;
  const compared = operation.method === 'GET' ? adaptation.seed?.body : sent;
  if (shown !== undefined && compared !== undefined) {
    const [answer, expected] = Array.isArray(shown.value)
      ? [response.body?.value?.find((m: Json) => same(m.name, adaptation.seed?.name)), shown.value[0]]
      : [response.body, shown];
    if (answer === undefined) problems.push('the list has no member of the seed\u2019s name');
    else problems.push(...differences(compared, expected, answer, ''));
  }
  await settle(kiln, token, response);
  return { status: response.status, body: response.body, name, sent, problems };
}

/** Leaves of `request` that `shown` also has, missing from or different in `answer`. */
function differences(request: Json, shown: Json, answer: Json, at: string): string[] {
  if (shown === undefined) return [];
  if (request === null || typeof request !== 'object') {
    if (answer === undefined) return [`${at} is missing (sent ${JSON.stringify(request)})`];
    return same(request, answer) ? [] : [`${at} is ${JSON.stringify(answer)}, sent ${JSON.stringify(request)}`];
  }
  if (answer === null || typeof answer !== 'object') return [`${at || 'the body'} is missing`];
  return Object.keys(request).flatMap((key) =>
    differences(
      request[key],
      shown?.[key],
      answer[key],
      Array.isArray(request) ? `${at}[${key}]` : at ? `${at}.${key}` : key,
    ),
  );
}

/** ARM's equality for names, ids and regions; exact for numbers and booleans. */
function same(a: Json, b: Json): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return a === b;
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '').replace(/^\//, '');
  return norm(a) === norm(b);
}

function substitute(value: Json, replace: Record<string, string>): Json {
  if (typeof value === 'string')
    return Object.entries(replace).reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replace));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k, replace), substitute(v, replace)]));
  return value;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

async function call(kiln: TestServer, token: string, method: string, path: string, body?: Json): Promise<Answer> {
  const response = await fetch(path.startsWith('https:') ? path : `${kiln.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls a long-running operation as the SDKs do, until it ends (or a minute passes). */
async function settle(kiln: TestServer, token: string, answer: Answer): Promise<void> {
  const asyncOperation = answer.headers.get('azure-asyncoperation');
  const location = answer.status === 202 ? answer.headers.get('location') : null;
  const url = asyncOperation ?? location;
  if (!url) return;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const poll = await call(kiln, token, 'GET', url);
    if (asyncOperation ? !['InProgress', 'Accepted', 'Running'].includes(poll.body?.status) : poll.status !== 202)
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
