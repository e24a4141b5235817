// Image template settings through @azure/arm-imagebuilder (2025-10-01), each stored and returned as
// Azure returns it, checked as Azure checks it, and honoured where Kiln has a meaning for it: autoRun
// (a run on create and on a PATCH that changes the template), a SharedImage target's replicationMode
// (the version a run makes has it), a template's own staging group (made by its first run, kept
// between runs, deleted with it), optimize, errorHandling, vmProfile (subnets and identities that
// must exist), and Windows templates (accepted at PUT, failing at run, saying why).
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { templateRunEnded } from '../support/template-run.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('image template settings with @azure/arm-imagebuilder', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let resources: ResourceManagementClient;
  let call: ArmCall;
  let token: string;
  let imageId: string;
  let subnetId: string;
  let identityId: string;
  const rg = 'settings';
  const fast = { updateIntervalInMs: 50 };
  const group = (name: string) => `/subscriptions/${kiln.subscriptionId}/resourceGroups/${name}`;
  const templatePath = (name: string) => `${group(rg)}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}`;

  before(async () => {
    kiln = await startTestServer();
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    call = armCaller(kiln, '2025-10-01');
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    imageId = await busyboxManagedImage(kiln, rg);
    const network = new NetworkManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, 'net', {
      location: 'westus',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [{ name: 'build', addressPrefix: '10.0.0.0/24' }],
    });
    subnetId = vnet.subnets![0].id!;
    identityId = `${group(rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/identity_1`;
    const identity = await call(token, 'PUT', `${identityId}?api-version=2023-01-31`, { location: 'westus' });
    assert.equal(identity.status, 201, JSON.stringify(identity.body));
  });
  after(() => kiln.stop());

  const linux = (extra: Partial<ImageTemplate> = {}): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'ManagedImage', imageId },
    customize: [{ type: 'Shell', name: 'motd', inline: ['echo built > /etc/motd'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    ...extra,
  });

  /** The properties of `linux()` as the wire has them, for the calls made without the SDK. */
  const linuxProperties = () => {
    const { location: _location, identity: _identity, ...properties } = linux();
    return properties;
  };

  /** What the SDK deserialized, without the members it sets to undefined for fields the answer does not have. */
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

  /** The 400 a PUT of `body` answers, and that nothing was stored. */
  async function refusedPut(name: string, body: unknown) {
    const refused = await call(token, 'PUT', templatePath(name), body);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal((await call(token, 'GET', templatePath(name))).status, 404, 'nothing half-created');
    return refused.body.error as { code: string; message: string; target: string };
  }

  it('runs an autoRun template once when created and again when a PATCH changes it, in its own staging group', async () => {
    const staging = group('stage-auto');
    const created = await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'auto',
      linux({
        autoRun: { state: 'Enabled' },
        stagingResourceGroup: staging,
        optimize: { vmBoot: { state: 'Enabled' } },
        errorHandling: { onCustomizerError: 'abort', onValidationError: 'cleanup' },
      }),
      fast,
    );
    assert.equal(created.autoRun?.state, 'Enabled');
    assert.deepEqual(plain(created.optimize), { vmBoot: { state: 'Enabled' } });
    assert.deepEqual(plain(created.errorHandling), { onCustomizerError: 'abort', onValidationError: 'cleanup' });
    assert.equal(created.stagingResourceGroup, staging);
    assert.equal(created.exactStagingResourceGroup, staging);
    const first = await templateRunEnded(builder, rg, 'auto');
    assert.equal(first.lastRunStatus?.runState, 'Succeeded', first.lastRunStatus?.message);
    const log = (await readCustomizationLog(kiln, created.id!)).text;
    assert.match(log, /Staging resource group stage-auto\n/);
    assert.match(log, /optimize\.vmBoot Enabled: nothing to do in Kiln/);
    assert.equal(
      (await resources.resourceGroups.get('stage-auto')).tags?.imageTemplateName,
      'auto',
      'kept after the run',
    );

    const tagged = await builder.virtualMachineImageTemplates.update(rg, 'auto', { tags: { team: 'images' } }, fast);
    assert.deepEqual(tagged.lastRunStatus?.startTime, first.lastRunStatus?.startTime, 'tags alone run nothing');
    const patched = await builder.virtualMachineImageTemplates.update(
      rg,
      'auto',
      { properties: { vmProfile: { vmSize: 'Standard_D2s_v3' } } },
      fast,
    );
    assert.equal(patched.vmProfile?.vmSize, 'Standard_D2s_v3');
    const second = await templateRunEnded(builder, rg, 'auto', { since: first.lastRunStatus!.startTime });
    assert.equal(second.lastRunStatus?.runState, 'Succeeded', second.lastRunStatus?.message);

    await builder.virtualMachineImageTemplates.delete(rg, 'auto', fast);
    await assert.rejects(resources.resourceGroups.get('stage-auto'), { statusCode: 404 }, 'deleted with the template');
  });

  it('gives the gallery version a run makes the replication mode its SharedImage target names', async () => {
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await compute.galleries.beginCreateOrUpdateAndWait(rg, 'shelf', { location: 'westus' }, fast);
    const definition = await compute.galleryImages.beginCreateOrUpdateAndWait(
      rg,
      'shelf',
      'web',
      linuxDefinition('westus'),
      fast,
    );
    const target = {
      type: 'SharedImage' as const,
      runOutputName: 'gallery',
      galleryImageId: definition.id!,
      targetRegions: [{ name: 'westus' }],
      replicationMode: 'Shallow' as const,
    };
    const created = await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'shallow',
      linux({ distribute: [target] }),
      fast,
    );
    assert.equal((created.distribute?.[0] as typeof target).replicationMode, 'Shallow', 'stored and returned');
    await builder.virtualMachineImageTemplates.beginRunAndWait(rg, 'shallow', fast);
    const ran = await templateRunEnded(builder, rg, 'shallow');
    assert.equal(ran.lastRunStatus?.runState, 'Succeeded', ran.lastRunStatus?.message);
    const output = await builder.virtualMachineImageTemplates.getRunOutput(rg, 'shallow', 'gallery');
    const version = await compute.galleryImageVersions.get(rg, 'shelf', 'web', output.artifactId!.split('/').pop()!);
    assert.equal(version.publishingProfile?.replicationMode, 'Shallow');
  });

  it('refuses a staging group of another subscription at PUT, and fails validation on a group in use', async () => {
    const elsewhere = await refusedPut('elsewhere', {
      location: 'westus',
      properties: {
        ...linuxProperties(),
        stagingResourceGroup: '/subscriptions/00000000-0000-0000-0000-00000000dead/resourceGroups/x',
      },
    });
    assert.equal(elsewhere.target, 'properties.stagingResourceGroup');
    // The template's own group holds the source image: Azure wants an empty one.
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(rg, 'busy', linux({ stagingResourceGroup: group(rg) }), fast),
      /InvalidStagingResourceGroup\. properties\.stagingResourceGroup: .* exists and is not empty/,
    );
    const failed = await builder.virtualMachineImageTemplates.get(rg, 'busy');
    assert.equal(failed.provisioningState, 'Failed');
    await builder.virtualMachineImageTemplates.delete(rg, 'busy', fast);
    assert.ok(await resources.resourceGroups.get(rg), "a group the user made stays with the template's delete");
  });

  it('keeps vmProfile as given; a size or subnet that does not exist is refused, an identity that does not fails validation', async () => {
    const vmProfile = {
      vmSize: 'Standard_D2s_v3',
      osDiskSizeGB: 64,
      userAssignedIdentities: [identityId],
      vnetConfig: { subnetId, proxyVmSize: 'Standard_A1_v2' },
    };
    const made = await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'profiled', linux({ vmProfile }), fast);
    assert.equal(made.provisioningState, 'Succeeded');
    assert.deepEqual(plain((await builder.virtualMachineImageTemplates.get(rg, 'profiled')).vmProfile), vmProfile);

    const missing = `${subnetId.replace(/\/subnets\/build$/, '')}/subnets/nowhere`;
    const refused = await refusedPut('nosubnet', {
      location: 'westus',
      properties: { ...linuxProperties(), vmProfile: { vnetConfig: { subnetId: missing } } },
    });
    assert.equal(refused.target, 'properties.vmProfile.vnetConfig.subnetId');
    assert.match(refused.message, /was not found/);
    const patch = await call(token, 'PATCH', templatePath('profiled'), {
      properties: { vmProfile: { vnetConfig: { subnetId: missing } } },
    });
    assert.equal(patch.status, 400);
    assert.equal(patch.body.error.target, 'properties.vmProfile.vnetConfig.subnetId');

    // The build VM's size is one of the host's VM sizes, refused at PUT and PATCH as a VM's create refuses it.
    const unsized = await refusedPut('unsized', {
      location: 'westus',
      properties: { ...linuxProperties(), vmProfile: { vmSize: 'Standard_Huge' } },
    });
    assert.equal(unsized.code, 'InvalidParameter');
    assert.equal(unsized.target, 'properties.vmProfile.vmSize');
    assert.match(
      unsized.message,
      /^'properties\.vmProfile\.vmSize': The requested VM size Standard_Huge is not available.*Standard_B2s/,
    );
    const resized = await call(token, 'PATCH', templatePath('profiled'), {
      properties: { vmProfile: { ...vmProfile, vmSize: 'Standard_Huge' } },
    });
    assert.equal(resized.status, 400);
    assert.equal(resized.body.error.target, 'properties.vmProfile.vmSize');

    const ghost = identityId.replace(/identity_1$/, 'ghost');
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(
        rg,
        'ghostly',
        linux({ vmProfile: { userAssignedIdentities: [ghost] } }),
        fast,
      ),
      (error: { message: string }) => error.message.includes(`'${ghost}' was not found`),
    );
    const ghostly = await builder.virtualMachineImageTemplates.get(rg, 'ghostly');
    assert.match(ghostly.provisioningError?.message ?? '', /^properties\.vmProfile\.userAssignedIdentities\[0\]: /);
  });

  it('refuses what Kiln does not do, a workload optimization or additional data disks, naming the field', async () => {
    const error = await refusedPut('workload', {
      location: 'westus',
      properties: {
        ...linuxProperties(),
        optimize: { workload: { state: 'Enabled', scriptUri: 'https://example.com/x.sh' } },
      },
    });
    assert.equal(error.target, 'properties.optimize.workload.state');
    const disks = await refusedPut('disks', {
      location: 'westus',
      properties: { ...linuxProperties(), additionalDataDisks: [{ sizeGB: 10 }] },
    });
    assert.equal(disks.target, 'properties.additionalDataDisks');
    assert.equal(disks.code, 'PropertyNotSupported');
  });

  it("accepts Azure's Windows example once its repeated customizer name is fixed, and fails its run saying why", async () => {
    // CreateImageTemplateWindows.json (2025-10-01), adapted: Kiln's ids and a source that exists here.
    const script = 'https://example.com/path/to/script.ps1';
    const customize: unknown[] = [
      { name: 'PowerShell (inline) Customizer Example', type: 'PowerShell', inline: ['Powershell command-1'] },
      { name: 'PowerShell (script) Customizer Example', type: 'PowerShell', scriptUri: script, validExitCodes: [0, 1] },
      {
        name: 'PowerShell (script) Customizer Elevated Local System user Example',
        type: 'PowerShell',
        runElevated: true,
        scriptUri: script,
        validExitCodes: [0, 1],
      },
      {
        name: 'PowerShell (script) Customizer Elevated Local System user Example',
        type: 'PowerShell',
        runAsSystem: true,
        runElevated: true,
        scriptUri: script,
        validExitCodes: [0, 1],
      },
      {
        name: 'Restart Customizer Example',
        type: 'WindowsRestart',
        restartCheckCommand: 'powershell -command "& {Write-Output \'restarted.\'}"',
        restartCommand: 'shutdown /f /r /t 0 /c "packer restart"',
        restartTimeout: '10m',
      },
      {
        name: 'Windows Update Customizer Example',
        type: 'WindowsUpdate',
        filters: ['$_.BrowseOnly'],
        searchCriteria: 'BrowseOnly=0 and IsInstalled=0',
        updateLimit: 100,
      },
    ];
    const body = {
      location: 'westus',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
      tags: { imagetemplate_tag1: 'IT_T1' },
      properties: {
        customize,
        distribute: [
          {
            type: 'ManagedImage',
            artifactTags: { tagName: 'value' },
            imageId: `${group(rg)}/providers/Microsoft.Compute/images/image_it_1`,
            location: 'westus',
            runOutputName: 'image_it_pir_1',
          },
        ],
        source: { type: 'ManagedImage', imageId },
        vmProfile: { osDiskSizeGB: 64, vmSize: 'Standard_D2s_v3', vnetConfig: { subnetId } },
      },
    };
    const repeated = await refusedPut('windows', body);
    assert.equal(repeated.target, 'properties.customize[3].name');
    assert.match(repeated.message, /Azure's own example template for Windows \(CreateImageTemplateWindows\.json/);

    (customize[3] as { name: string }).name = 'PowerShell (script) Customizer Elevated Local System user Example 2';
    const created = await fetch(`${kiln.url}${templatePath('windows')}?api-version=2025-10-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(created.status, 201, await created.clone().text());
    // Kiln says at once what the run will say (the header `kiln validate` and the CLI show).
    const warnings = JSON.parse(created.headers.get('x-ms-kiln-warnings') ?? '[]') as Array<{ target: string }>;
    assert.deepEqual(
      warnings.map((w) => w.target),
      ['properties.customize[5].type'],
    );
    const read = await builder.virtualMachineImageTemplates.get(rg, 'windows');
    assert.equal(read.provisioningState, 'Succeeded', read.provisioningError?.message);
    assert.deepEqual(plain(read.customize?.[5]), customize[5], 'WindowsUpdate kept as given');
    assert.deepEqual(
      read.customize
        ?.slice(0, 4)
        .map((c) => [(c as { runElevated?: boolean }).runElevated, (c as { runAsSystem?: boolean }).runAsSystem]),
      [
        [false, false],
        [false, false],
        [true, false],
        [true, true],
      ],
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'windows', fast));
    const ran = await templateRunEnded(builder, rg, 'windows');
    assert.equal(ran.lastRunStatus?.runState, 'Failed');
    assert.match(
      ran.lastRunStatus?.message ?? '',
      /The WindowsUpdate customizer 'Windows Update Customizer Example' installs Windows updates.*Kiln does not build Windows images yet/,
    );
  });

  it('fails the run of a template whose source is a Windows image, saying why', async () => {
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/windows.vhd', makeVhd(4, 'windows-base'));
    const windows = await compute.images.createOrUpdate(rg, 'windows-base', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Windows', osState: 'Generalized', blobUri } },
    });
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'winsource',
      linux({ source: { type: 'ManagedImage', imageId: windows.id! } }),
      fast,
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'winsource', fast));
    const ran = await templateRunEnded(builder, rg, 'winsource');
    assert.equal(ran.lastRunStatus?.runState, 'Failed');
    assert.match(ran.lastRunStatus?.message ?? '', /is a Windows image: .*Kiln does not build Windows images yet/);
  });
});
