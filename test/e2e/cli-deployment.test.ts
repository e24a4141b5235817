// `kiln deployment` against a real server, each command its own process as a user runs it: a template
// the test writes (JSON with comments: a gallery and image definitions that depend on it) deployed with
// parameters from a file, as name=value and inline JSON; show, list as a table, operations, validate,
// export; what-if after a change showing `~ Modify` with the property; a failing deployment exiting 1
// naming the resource and its place in the template; a missing parameter without a terminal; a
// subscription deployment making a resource group; delete.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'cli-deploy-rg';
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

/** The gallery quickstart's shape, with comments as az accepts them. */
const GALLERY_TEMPLATE = `{
  // A gallery and its image definitions.
  "$schema": "${SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "galleryName": { "type": "string", "metadata": { "description": "The gallery's name." } },
    "description": { "type": "string" },
    "round": { "type": "int", "defaultValue": 1 },
    "addSecond": { "type": "bool", "defaultValue": false },
    "skus": { "type": "array", "defaultValue": ["base"] }
  },
  /* Both definitions name their gallery through dependsOn. */
  "resources": [
    {
      "type": "Microsoft.Compute/galleries",
      "apiVersion": "2022-03-03",
      "name": "[parameters('galleryName')]",
      "location": "[resourceGroup().location]",
      "properties": { "description": "[format('{0} (round {1})', parameters('description'), parameters('round'))]" }
    },
    {
      "type": "Microsoft.Compute/galleries/images",
      "apiVersion": "2022-03-03",
      "name": "[concat(parameters('galleryName'), '/def1')]",
      "location": "[resourceGroup().location]",
      "dependsOn": ["[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]"],
      "properties": {
        "osType": "Linux",
        "osState": "Generalized",
        "hyperVGeneration": "V2",
        "identifier": { "publisher": "kiln", "offer": "debian", "sku": "[first(parameters('skus'))]" }
      }
    },
    {
      "condition": "[parameters('addSecond')]",
      "type": "Microsoft.Compute/galleries/images",
      "apiVersion": "2022-03-03",
      "name": "[concat(parameters('galleryName'), '/def2')]",
      "location": "[resourceGroup().location]",
      "dependsOn": ["[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]"],
      "properties": {
        "osType": "Linux",
        "osState": "Generalized",
        "hyperVGeneration": "V2",
        "identifier": { "publisher": "kiln", "offer": "debian", "sku": "[last(parameters('skus'))]" }
      }
    }
  ],
  "outputs": {
    "galleryId": { "type": "string", "value": "[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]" }
  }
}
`;

const PARAMETERS_FILE = JSON.stringify({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
  contentVersion: '1.0.0.0',
  parameters: { galleryName: { value: 'cligal' }, description: { value: 'from the file' } },
});

/** An image definition in a gallery nobody made: the provider refuses it when the deployment runs. */
const FAILING_TEMPLATE = JSON.stringify({
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  resources: [
    {
      type: 'Microsoft.Compute/galleries/images',
      apiVersion: '2022-03-03',
      name: 'nogallery/orphan',
      location: '[resourceGroup().location]',
      properties: {
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'kiln', offer: 'debian', sku: 'orphan' },
      },
    },
  ],
});

const GROUP_TEMPLATE = JSON.stringify({
  $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: { groupName: { type: 'string' } },
  resources: [
    {
      type: 'Microsoft.Resources/resourceGroups',
      apiVersion: '2022-09-01',
      name: "[parameters('groupName')]",
      location: 'eastus',
      tags: { madeBy: 'deployment' },
    },
  ],
  outputs: {
    groupId: {
      type: 'string',
      value: "[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('groupName'))]",
    },
  },
});

/** Every kind of parameter az asks for, echoed back by an output (the secret by its length). */
const PROMPTED_TEMPLATE = JSON.stringify({
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  parameters: {
    name: { type: 'string', metadata: { description: 'The name to echo.' } },
    secret: { type: 'securestring' },
    count: { type: 'int' },
    flag: { type: 'bool' },
    size: { type: 'string', allowedValues: ['small', 'large'] },
    list: { type: 'array' },
  },
  resources: [],
  outputs: {
    echo: {
      type: 'array',
      value:
        "[createArray(parameters('name'), parameters('count'), parameters('flag'), parameters('size'), parameters('list'), length(parameters('secret')))]",
    },
  },
});

/**
 * Runs `kiln ...args` on a pseudo-terminal (util-linux's `script`) as a user at it: each answer is
 * typed once its question has been shown. Resolves with all the terminal showed.
 */
function onTerminal(
  cli: Cli,
  args: string[],
  conversation: Array<[question: string, answer: string]>,
): Promise<{ status: number | null; shown: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KILN_CONFIG_DIR: cli.configDir };
  delete env.NODE_EXTRA_CA_CERTS;
  const command = [process.execPath, 'bin/kiln.js', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env });
  let shown = '';
  let answered = 0;
  let from = 0;
  child.stdout.on('data', (chunk) => {
    shown += String(chunk).replace(/\r/g, '');
    const next = conversation[answered];
    const at = next ? shown.indexOf(next[0], from) : -1;
    if (at < 0) return;
    from = at + next[0].length;
    answered++;
    child.stdin.write(`${next[1]}\n`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => {
      assert.equal(answered, conversation.length, `every question was asked:\n${shown}`);
      resolve({ status, shown });
    });
  });
}

interface Deployment {
  id: string;
  name: string;
  resourceGroup?: string;
  properties: {
    provisioningState: string;
    mode: string;
    parameters: Record<string, { type: string; value?: unknown }>;
    outputs?: Record<string, { type: string; value?: unknown }>;
  };
}

describe('kiln deployment against a server', () => {
  let kiln: TestServer;
  let cli: Cli;
  let dir: string;
  const file = (name: string) => join(dir, name);
  /** One field of a group deployment, as `show --query FIELD -o tsv` prints it. */
  const field = async (name: string, query: string) =>
    (await cli.ok(...['deployment', 'group', 'show', '-g', RG, '-n', name], '--query', query, '-o', 'tsv')).trim();

  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
    dir = await mkdtemp(join(tmpdir(), 'kiln-cli-deployment-'));
    await writeFile(file('gallery.json'), GALLERY_TEMPLATE);
    await writeFile(file('gallery.parameters.json'), PARAMETERS_FILE);
    await writeFile(file('failing.json'), FAILING_TEMPLATE);
    await writeFile(file('group.json'), GROUP_TEMPLATE);
    await writeFile(file('prompted.json'), PROMPTED_TEMPLATE);
    await cli.login();
    await cli.ok('group', 'create', '-n', RG, '-l', 'westus');
  });
  after(async () => {
    await kiln.stop();
    await rm(cli.configDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('deploys a gallery and its definitions with parameters from a file, as name=value and inline, named after the template file', async () => {
    const created = await cli.json<Deployment>(
      ...['deployment', 'group', 'create', '-g', RG, '-f', file('gallery.json')],
      ...['-p', `@${file('gallery.parameters.json')}`, 'round=2', 'addSecond=true'],
      ...['--parameters', '{"skus": {"value": ["base", "extra"]}}'],
    );
    assert.equal(created.name, 'gallery', 'named after the template file, as az names it');
    assert.equal(created.resourceGroup, RG);
    assert.equal(created.properties.provisioningState, 'Succeeded');
    assert.deepEqual(created.properties.parameters.round, { type: 'Int', value: 2 });
    assert.deepEqual(created.properties.parameters.addSecond, { type: 'Bool', value: true });
    assert.equal(
      created.properties.outputs?.galleryId.value,
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/cligal`,
    );

    const gallery = await cli.json<{ description: string }>('sig', 'show', '-g', RG, '-r', 'cligal');
    assert.equal(gallery.description, 'from the file (round 2)');
    const skus = await cli.ok(
      ...['sig', 'image-definition', 'list', '-g', RG, '-r', 'cligal'],
      ...['--query', 'sort_by([], &name)[].identifier.sku', '-o', 'tsv'],
    );
    assert.equal(skus, 'base\nextra\n');

    const operations = await cli.json<
      Array<{ properties: { provisioningState: string; targetResource: { resourceName: string } } }>
    >('deployment', 'operation', 'group', 'list', '-g', RG, '-n', 'gallery');
    assert.deepEqual(
      operations.map((o) => [o.properties.targetResource.resourceName, o.properties.provisioningState]).sort(),
      [
        ['cligal', 'Succeeded'],
        ['cligal/def1', 'Succeeded'],
        ['cligal/def2', 'Succeeded'],
      ],
    );
  });

  it('shows and lists deployments (az table: name, state, timestamp, mode, group) and exports the template', async () => {
    const table = (await cli.ok('deployment', 'group', 'list', '-g', RG, '-o', 'table')).trimEnd().split('\n');
    assert.match(table[0], /^Name\s+State\s+Timestamp\s+Mode\s+ResourceGroup$/);
    assert.match(table[2], new RegExp(`^gallery\\s+Succeeded\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+Incremental\\s+${RG}$`));
    assert.equal(await field('gallery', 'properties.mode'), 'Incremental');
    const exported = JSON.parse(await cli.ok('deployment', 'group', 'export', '-g', RG, '-n', 'gallery'));
    assert.equal(
      exported.resources[1].dependsOn[0],
      "[resourceId('Microsoft.Compute/galleries', parameters('galleryName'))]",
    );
    const missing = await cli.run('deployment', 'group', 'show', '-g', RG, '-n', 'no-such-deployment');
    assert.equal(missing.status, 3, 'a missing deployment exits 3, as az show commands do');
    assert.match(missing.stderr, /DeploymentNotFound/);
  });

  it("what-if after a change shows ~ Modify with the property, in az's report and as JSON; validate changes nothing", async () => {
    const args = [
      ...['-g', RG, '-f', file('gallery.json'), '-p', `@${file('gallery.parameters.json')}`],
      ...['description=changed', 'round=2', 'addSecond=true', 'skus=["base", "extra"]'],
    ];
    const report = await cli.ok('deployment', 'group', 'what-if', ...args);
    const lines = report.split('\n');
    assert.ok(lines.includes('Resource and property changes are indicated with these symbols:'), report);
    assert.ok(lines.includes('  ~ Modify'), report);
    assert.ok(lines.includes('  = Nochange'), report);
    assert.ok(lines.includes(`Scope: /subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}`), report);
    assert.ok(lines.includes('  ~ Microsoft.Compute/galleries/cligal [2022-03-03]'), report);
    assert.ok(lines.includes('    ~ properties.description: "from the file (round 2)" => "changed (round 2)"'), report);
    assert.ok(lines.includes('  = Microsoft.Compute/galleries/cligal/images/def1 [2022-03-03]'), report);
    assert.equal(lines.at(-2), 'Resource changes: 1 to modify, 2 no change.', report);

    const json = await cli.json<{ status: string; changes: Array<{ resourceId: string; changeType: string }> }>(
      ...['deployment', 'group', 'what-if', ...args, '--no-pretty-print', '-x', 'NoChange'],
    );
    assert.equal(json.status, 'Succeeded');
    assert.deepEqual(
      json.changes.map((c) => [c.resourceId.split('/').pop(), c.changeType]),
      [['cligal', 'Modify']],
    );

    const validated = await cli.json<Deployment>('deployment', 'group', 'validate', ...args);
    assert.equal(validated.properties.provisioningState, 'Succeeded');
    const gallery = await cli.json<{ description: string }>('sig', 'show', '-g', RG, '-r', 'cligal');
    assert.equal(gallery.description, 'from the file (round 2)', 'neither what-if nor validate changed it');
  });

  it('a failing deployment exits 1 with its error, naming the resource and its place in the template', async () => {
    const failed = await cli.run('deployment', 'group', 'create', '-g', RG, '-f', file('failing.json'), '-n', 'broken');
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /^ERROR: \(DeploymentFailed\) /m);
    assert.match(failed.stderr, /Exception Details:/);
    assert.match(failed.stderr, /Microsoft\.Compute\/galleries\/images\/nogallery\/orphan/);
    assert.match(failed.stderr, /resources\[0\]/);
    assert.equal(await field('broken', 'properties.provisioningState'), 'Failed');
    const [operation] = await cli.json<Array<{ properties: { provisioningState: string } }>>(
      ...['deployment', 'operation', 'group', 'list', '-g', RG, '-n', 'broken'],
    );
    assert.equal(operation.properties.provisioningState, 'Failed');
  });

  it('names a missing required parameter when there is no terminal to ask on, and refuses unknown ones', async () => {
    const gallery = ['-g', RG, '-f', file('gallery.json')];
    const missing = await cli.run('deployment', 'group', 'create', ...gallery, '-p', 'description=x');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^ERROR: Missing input parameters: galleryName\. /);
    const unknown = await cli.run('deployment', 'group', 'validate', ...gallery, '-p', 'colour=red');
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /unrecognized template parameter 'colour'\. Allowed parameters: addSecond, description, galleryName, round, skus/,
    );
  });

  it('asks for missing parameters on a terminal as az does: help on ?, a hidden secret, numbers, t/f, a choice, JSON', async () => {
    const { status, shown } = await onTerminal(
      cli,
      ['deployment', 'group', 'create', '-g', RG, '-f', file('prompted.json'), '-p', 'name=given'],
      [
        ["Please provide securestring value for 'secret' (? for help): ", '?'],
        ["Missing description\nPlease provide securestring value for 'secret' (? for help): ", 'hunter2'],
        ["Please provide int value for 'count' (? for help): ", 'many'],
        ["WARNING: many is not a valid number\nPlease provide int value for 'count' (? for help): ", '7'],
        ["Please provide bool value for 'flag' (? for help):  (t/f): ", 't'],
        [
          "Please provide string value for 'size' (? for help): \n [1] small\n [2] large\nPlease enter a choice [Default choice(1)]: ",
          '2',
        ],
        ["Please provide array value for 'list' (? for help): ", '["a", "b"]'],
      ],
    );
    assert.equal(status, 0, shown);
    assert.doesNotMatch(shown, /value for 'name'/, 'a given parameter is not asked for');
    assert.doesNotMatch(shown, /hunter2/, 'the secret is not shown as it is typed');
    assert.match(shown, /many/, 'other answers are');
    const echo = await cli.json<unknown[]>(
      ...['deployment', 'group', 'show', '-g', RG, '-n', 'prompted', '--query', 'properties.outputs.echo.value'],
    );
    assert.deepEqual(echo, ['given', 7, true, 'large', ['a', 'b'], 7]);
  });

  it('deploys at the subscription: a resource group, listed and shown at that scope', async () => {
    const created = await cli.json<Deployment & { location: string }>(
      ...[
        'deployment',
        'sub',
        'create',
        '-l',
        'westus',
        '-f',
        file('group.json'),
        '-p',
        'groupName=made-by-deployment',
      ],
    );
    assert.equal(created.name, 'group');
    assert.equal(created.location, 'westus');
    assert.equal(created.resourceGroup, undefined);
    assert.equal(created.properties.provisioningState, 'Succeeded');
    const group = await cli.json<{ location: string; tags: Record<string, string> }>(
      ...['group', 'show', '-n', 'made-by-deployment'],
    );
    assert.deepEqual([group.location, group.tags], ['eastus', { madeBy: 'deployment' }]);
    assert.equal(
      (await cli.ok('deployment', 'sub', 'list', '--query', '[].name', '-o', 'tsv')).trim(),
      'group',
      "a subscription lists its own deployments, not its groups'",
    );
    const operations = await cli.json<Array<{ properties: { targetResource: { resourceType: string } } }>>(
      'deployment',
      'operation',
      'sub',
      'list',
      '-n',
      'group',
    );
    assert.deepEqual(
      operations.map((o) => o.properties.targetResource.resourceType),
      ['Microsoft.Resources/resourceGroups'],
    );
  });

  it('deletes a deployment (its history, not what it deployed)', async () => {
    await cli.ok('deployment', 'group', 'delete', '-g', RG, '-n', 'gallery');
    assert.equal((await cli.run('deployment', 'group', 'show', '-g', RG, '-n', 'gallery')).status, 3);
    assert.equal((await cli.json<{ name: string }>('sig', 'show', '-g', RG, '-r', 'cligal')).name, 'cligal');
  });
});
