// Image template triggers through @azure/arm-imagebuilder (2025-10-01): a SourceImage trigger on a
// template whose source is its gallery definition's `latest` runs the template when a new version of
// that definition is created, and its status says so; what Azure refuses is refused with the field
// named, and a template's delete takes its triggers along. Busybox bases keep the runs short.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { templateRunEnded } from '../support/template-run.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('image template triggers with @azure/arm-imagebuilder', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let compute: ComputeManagementClient;
  let call: ArmCall;
  let token: string;
  let imageId: string;
  let definitionId: string;
  const rg = 'triggers';
  const fast = { updateIntervalInMs: 50 };

  before(async () => {
    kiln = await startTestServer();
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    call = armCaller(kiln, '2025-10-01');
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    imageId = await busyboxManagedImage(kiln, rg);
    await compute.galleries.beginCreateOrUpdateAndWait(rg, 'gal', { location: 'westus' }, fast);
    definitionId = (
      await compute.galleryImages.beginCreateOrUpdateAndWait(rg, 'gal', 'base', linuxDefinition('westus'), fast)
    ).id!;
    await newVersion('1.0.0');
  });
  after(() => kiln.stop());

  const newVersion = (name: string) =>
    compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      'gal',
      'base',
      name,
      { location: 'westus', storageProfile: { source: { id: imageId } } },
      fast,
    );

  const template = (imageVersionId: string): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'SharedImageVersion', imageVersionId },
    customize: [{ type: 'Shell', name: 'motd', inline: ['echo triggered > /etc/motd'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  });

  /** A template whose source is the definition's latest version, which a trigger needs. */
  const latestTemplate = (name: string) =>
    builder.virtualMachineImageTemplates.createOrUpdate(rg, name, template(`${definitionId}/versions/latest`), fast);

  /** A SourceImage trigger made through the SDK. */
  const sourceTrigger = (templateName: string, name: string) =>
    builder.triggers.createOrUpdate(rg, templateName, name, { properties: { kind: 'SourceImage' } }, fast);

  /** A trigger's PUT as sent, whatever it answers. */
  const putTrigger = (templateName: string, name = 'source', kind = 'SourceImage') =>
    call(token, 'PUT', triggerPath(templateName, `/${name}`), { properties: { kind } });

  const triggerPath = (templateName: string, trigger = '') => `${templatePath(templateName)}/triggers${trigger}`;

  const templatePath = (name: string) =>
    `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}`;

  /** The trigger's status once it names `version`: what the trigger did for it. */
  async function triggerStatusNaming(templateName: string, version: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = (await builder.triggers.get(rg, templateName, 'source')).properties?.status;
      if (status?.message?.includes(`'${version}'`)) return status;
      if (Date.now() > deadline) assert.fail(`the trigger never acted on ${version}: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('refuses a trigger on a template whose source is not its definition’s latest version, naming the field', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'pinned',
      template(`${definitionId}/versions/1.0.0`),
      fast,
    );
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'managed',
      { ...template(''), source: { type: 'ManagedImage', imageId } },
      fast,
    );
    for (const name of ['pinned', 'managed']) {
      const refused = await call(token, 'PUT', triggerPath(name, '/source'), { properties: { kind: 'SourceImage' } });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.target, 'properties.source.imageVersionId');
      assert.match(refused.body.error.message, /\/versions\/latest/);
      assert.equal((await call(token, 'GET', triggerPath(name))).body.value.length, 0, 'nothing half-created');
    }
    // A template that adds versions to the definition it watches would run itself without end.
    const looping = template(`${definitionId}/versions/latest`);
    looping.distribute = [
      { type: 'SharedImage', runOutputName: 'sig', galleryImageId: definitionId, targetRegions: [{ name: 'westus' }] },
    ];
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'looping', looping, fast);
    const loop = await call(token, 'PUT', triggerPath('looping', '/source'), { properties: { kind: 'SourceImage' } });
    assert.equal(loop.status, 400, JSON.stringify(loop.body));
    assert.equal(loop.body.error.target, 'properties.distribute[0].galleryImageId');
    await latestTemplate('app');
    const badKind = await putTrigger('app', 'source', 'Schedule');
    assert.equal(badKind.status, 400);
    assert.equal(badKind.body.error.target, 'properties.kind');
    const missing = await call(token, 'PUT', triggerPath('nothing', '/source'), {
      properties: { kind: 'SourceImage' },
    });
    assert.equal(missing.status, 404);
    // Azure added triggers in 2022-07-01: the api-version azure-cli 2.45 sends has none.
    const older = await call(token, 'GET', `${triggerPath('app')}?api-version=2022-02-14`);
    assert.equal(older.status, 400, JSON.stringify(older.body));
  });

  it('creates, reads and lists a SourceImage trigger, Healthy', async () => {
    const created = await sourceTrigger('app', 'source');
    assert.equal(created.type, 'Microsoft.VirtualMachineImages/imageTemplates/triggers');
    assert.equal(created.properties?.kind, 'SourceImage');
    assert.equal(created.properties?.provisioningState, 'Succeeded');
    assert.equal(created.properties?.status?.code, 'Healthy');
    assert.equal(created.properties?.status?.message, 'Trigger is active.');
    assert.ok(created.properties?.status?.time instanceof Date);
    const read = await builder.triggers.get(rg, 'app', 'source');
    assert.equal(read.id, `${triggerPath('app', '/source')}`);
    const listed = [];
    for await (const trigger of builder.triggers.listByImageTemplate(rg, 'app')) listed.push(trigger.name);
    assert.deepEqual(listed, ['source']);
    const again = await call(token, 'PUT', triggerPath('app', '/source'), { properties: { kind: 'SourceImage' } });
    assert.equal(again.status, 200, 'a repeated PUT answers the trigger as it is');
    // Azure supports one SourceImage trigger per template: a second name is refused, naming the first.
    await assert.rejects(
      sourceTrigger('app', 'second'),
      (error: { statusCode?: number; code?: string; message: string }) => {
        assert.equal(error.statusCode, 409);
        assert.equal(error.code, 'Conflict');
        assert.match(error.message, /already has the SourceImage trigger 'source'/);
        return true;
      },
    );
    const second = await putTrigger('app', 'second');
    assert.equal(second.body.error.target, 'triggerName');
    listed.length = 0;
    for await (const trigger of builder.triggers.listByImageTemplate(rg, 'app')) listed.push(trigger.name!);
    assert.deepEqual(listed, ['source'], 'nothing half-created');
  });

  it('runs the template when a new version of its source definition is created; the trigger says so', async () => {
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus, undefined, 'never run');
    await newVersion('1.0.1');
    const ran = await templateRunEnded(builder, rg, 'app');
    assert.equal(ran.lastRunStatus?.runState, 'Succeeded', ran.lastRunStatus?.message);
    assert.equal(
      (ran.source as { exactVersion?: string }).exactVersion?.toLowerCase(),
      `${definitionId}/versions/1.0.1`.toLowerCase(),
      'the run built the new version',
    );
    const trigger = await builder.triggers.get(rg, 'app', 'source');
    assert.equal(trigger.properties?.status?.code, 'Healthy');
    assert.match(trigger.properties?.status?.message ?? '', /Version '1\.0\.1' .* run .* started/);
    const outputs = [];
    for await (const output of builder.virtualMachineImageTemplates.listRunOutputs(rg, 'app')) outputs.push(output);
    assert.equal(outputs[0]?.provisioningState, 'Succeeded');
  });

  it('waits for a run under way, then runs the template for the version created meanwhile', async () => {
    const slow = template(`${definitionId}/versions/latest`);
    slow.customize = [{ type: 'Shell', name: 'slow', inline: ['sleep 3'] }];
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'slow', slow, fast);
    await sourceTrigger('slow', 'source');
    await builder.virtualMachineImageTemplates.run(rg, 'slow', { updateIntervalInMs: 100_000 }).submitted();
    await newVersion('1.1.0');
    const status = await triggerStatusNaming('slow', '1.1.0');
    assert.match(status?.message ?? '', /run .* started/, 'started once the run by hand ended');
    await templateRunEnded(builder, rg, 'slow');
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const history = (await (
      await fetch(`${kiln.url}${templatePath('slow')}/runHistory?api-version=2025-10-01`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { value: Array<{ runState: string; startTime: string; endTime: string }> };
    assert.deepEqual(
      history.value.map((run) => run.runState),
      ['Succeeded', 'Succeeded'],
    );
    assert.ok(history.value[0].startTime >= history.value[1].endTime, 'one after the other');
    await builder.virtualMachineImageTemplates.delete(rg, 'slow', fast);
  });

  it('is deactivated once the template failed three times in a row, as Azure deactivates it', async () => {
    const failing = template(`${definitionId}/versions/latest`);
    failing.customize = [{ type: 'Shell', name: 'fail', inline: ['exit 1'] }];
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'failing', failing, fast);
    for (let run = 0; run < 3; run++)
      await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'failing', fast));
    const lastRun = (await builder.virtualMachineImageTemplates.get(rg, 'failing')).lastRunStatus;
    await sourceTrigger('failing', 'source');
    await newVersion('1.2.0');
    const status = await triggerStatusNaming('failing', '1.2.0');
    assert.equal(status?.code, 'Unhealthy', status?.message);
    assert.match(status?.message ?? '', /deactivated: the template's last 3 runs failed/);
    const after = (await builder.virtualMachineImageTemplates.get(rg, 'failing')).lastRunStatus;
    assert.deepEqual(after?.startTime, lastRun?.startTime, 'no run was started');
    await builder.virtualMachineImageTemplates.delete(rg, 'failing', fast);
  });

  it('runs nothing once the trigger is deleted', async () => {
    const before = (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus?.startTime;
    await builder.triggers.delete(rg, 'app', 'source', fast);
    await assert.rejects(builder.triggers.get(rg, 'app', 'source'), { statusCode: 404 });
    await newVersion('1.0.2');
    // The version's batch would have held the run's job: with no trigger, none exists.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await builder.virtualMachineImageTemplates.get(rg, 'app');
    assert.equal(after.lastRunStatus?.startTime?.getTime(), before?.getTime());
  });

  // After the trigger above is deleted: the version made here runs no other template.
  it('takes a trigger on a template that failed validation, and says on its status why the template did not run', async () => {
    // Failed: its identity does not exist (found by the template's validation, after the PUT).
    const missingIdentity = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nobody`;
    const broken = {
      location: 'westus',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [missingIdentity]: {} } },
      properties: {
        source: { type: 'SharedImageVersion', imageVersionId: `${definitionId}/versions/latest` },
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    };
    await call(token, 'PUT', templatePath('broken'), broken);
    const failed = await builder.virtualMachineImageTemplates.get(rg, 'broken');
    assert.equal(failed.provisioningState, 'Failed');
    // Azure documents no template state a trigger's PUT requires (its docs and the 2025-10-01 spec name
    // none, nor an error code), so the trigger is made; it can fire once the template is PUT again.
    const made = await putTrigger('broken');
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await newVersion('1.3.0');
    const status = await triggerStatusNaming('broken', '1.3.0');
    assert.equal(status?.code, 'Unhealthy', status?.message);
    assert.match(status?.message ?? '', /failed validation and cannot run: .*nobody.* PUT the template again/);
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'broken')).lastRunStatus, undefined, 'not run');
    await builder.virtualMachineImageTemplates.delete(rg, 'broken', fast);
  });

  it('deletes a template’s triggers with it', async () => {
    await sourceTrigger('app', 'again');
    await builder.virtualMachineImageTemplates.delete(rg, 'app', fast);
    const left = await kiln.server.kiln.store.list({
      resourceGroup: rg,
      subscription: kiln.subscriptionId,
      limit: 1000,
    });
    assert.deepEqual(
      left.map((r) => r.key).filter((key) => key.includes('/imagetemplates/app/')),
      [],
    );
  });

  it('refuses the 101st trigger of a region in a subscription, as Azure documents, naming the trigger', async () => {
    const inWestus = async () => {
      const triggers = await kiln.server.kiln.store.list<{ internal: { location?: string } }>({
        kind: 'microsoft.virtualmachineimages/imagetemplates/triggers',
        subscription: kiln.subscriptionId,
        limit: 1000,
      });
      return triggers.filter((t) => t.data.internal.location === 'westus').length;
    };
    const { location, identity, ...properties } = template(`${definitionId}/versions/latest`);
    const body = { location, identity, properties };
    const names = Array.from({ length: 100 - (await inWestus()) }, (_, i) => `many${i}`);
    for (let i = 0; i < names.length; i += 20)
      await Promise.all(
        names.slice(i, i + 20).map(async (name) => {
          const made = await call(token, 'PUT', templatePath(name), body);
          assert.ok([200, 201].includes(made.status), JSON.stringify(made.body));
          const trigger = await putTrigger(name);
          assert.equal(trigger.status, 201, JSON.stringify(trigger.body));
        }),
      );
    assert.equal(await inWestus(), 100);
    await latestTemplate('over');
    const over = await putTrigger('over');
    assert.equal(over.status, 409, JSON.stringify(over.body));
    assert.equal(over.body.error.code, 'QuotaExceeded');
    assert.equal(over.body.error.target, 'triggerName');
    assert.match(over.body.error.message, /100 triggers per region per subscription/);
    assert.equal((await call(token, 'GET', triggerPath('over'))).body.value.length, 0);
    // Deleting a template frees its trigger's place.
    await builder.virtualMachineImageTemplates.delete(rg, names[0], fast);
    const now = await sourceTrigger('over', 'source');
    assert.equal(now.properties?.status?.code, 'Healthy');
  });

  it('lists the trigger operations among Microsoft.VirtualMachineImages operations', async () => {
    const names = [];
    for await (const operation of builder.operations.list()) names.push(operation.name);
    for (const verb of ['read', 'write', 'delete'])
      assert.ok(names.includes(`Microsoft.VirtualMachineImages/imageTemplates/triggers/${verb}`), names.join());
    assert.ok(names.includes('Microsoft.VirtualMachineImages/imageTemplates/run/action'));
  });
});
