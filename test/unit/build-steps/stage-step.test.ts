// The stage step alone: it makes the staging group's record through the metadata store, removes it in
// its cleanup, and keeps it (saying so) when a customizer failed under onCustomizerError: abort. A
// template's own stagingResourceGroup is made when absent, used as it is when present, and kept.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stageStep } from '../../../src/imaging/image-template/stage-step.ts';
import { stagingGroup } from '../../../src/domain/image-templates/run/run-status.ts';
import type { ImageTemplate } from '../../../src/domain/image-templates/image-template.ts';
import type { MetadataStore } from '../../../src/ports/metadata-store.ts';
import { imageBuildFixture } from '../../support/image-build.ts';
import { sqliteStorages } from '../../support/metadata-storage.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-stage-step-'));
after(() => rmSync(root, { recursive: true, force: true }));
const storages = sqliteStorages('kiln-stage-step');
let store: MetadataStore;
before(async () => {
  store = await (await storages()).connect();
});
after(() => store.close());

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
const template = {
  id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/builds/providers/Microsoft.VirtualMachineImages/imageTemplates/web`,
  name: 'web',
  location: 'westus',
  properties: {},
} as ImageTemplate;
let runs = 0;

describe('stage step', () => {
  it('creates the staging group on run and removes it on cleanup', async () => {
    const { state, log, ctx } = imageBuildFixture(root, ++runs);
    const group = stagingGroup(template, SUBSCRIPTION, '1234abcd-0000-0000-0000-000000000000');
    const step = stageStep(store, group);
    assert.equal(step.name, 'stage');
    await step.run(state, ctx);
    const made = await store.get<{ resource: { name: string; location: string; tags: Record<string, string> } }>(
      group.key,
    );
    assert.equal(made?.data.resource.name, 'IT_builds_web_1234abcd');
    assert.equal(made?.data.resource.tags.imageTemplateName, 'web');
    await step.cleanup!(state, ctx);
    assert.equal(await store.get(group.key), undefined);
    assert.match(readFileSync(log.path, 'utf8'), /Staging resource group IT_builds_web_1234abcd\n/);
  });

  it('keeps the group and says so when the build is to be kept', async () => {
    const { state, log, ctx } = imageBuildFixture(root, ++runs);
    const group = stagingGroup(template, SUBSCRIPTION, '5678abcd-0000-0000-0000-000000000000');
    const step = stageStep(store, group);
    await step.run(state, ctx);
    state.keep = true;
    await step.cleanup!(state, ctx);
    assert.ok(await store.get(group.key), 'the staging group is kept');
    assert.ok(
      readFileSync(log.path, 'utf8').includes(
        `Keeping IT_builds_web_5678abcd and ${state.work} for debugging (errorHandling: abort).`,
      ),
    );
  });

  it("uses the template's own staging group, made when absent, and keeps it between runs", async () => {
    const named = {
      ...template,
      properties: { stagingResourceGroup: `/subscriptions/${SUBSCRIPTION}/resourceGroups/stage` },
    };
    for (const runId of ['aaaaaaaa-0000-0000-0000-000000000000', 'bbbbbbbb-0000-0000-0000-000000000000']) {
      const { state, ctx } = imageBuildFixture(root, ++runs);
      const group = stagingGroup(named as ImageTemplate, SUBSCRIPTION, runId);
      assert.equal(group.name, 'stage');
      const step = stageStep(store, group);
      await step.run(state, ctx);
      await step.cleanup!(state, ctx);
      assert.ok(await store.get(group.key), 'the group stays after the run');
    }
  });
});
