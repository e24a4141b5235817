/**
 * The portal's image templates in Chromium: the empty list saying how to make one; a template created
 * from the prefilled example, refused first with each problem listed at its JSON path (and the text
 * kept), then accepted; a run started from its page, its customization log streaming lines while the
 * run goes, the run ending Succeeded with its times and sub-states in the history, and its outputs
 * linked (the managed image to its page, the VHD to its download); a Reader who may not run it; a
 * principal holding Storage Blob Data Reader downloading the VHD through the link the portal signs for it
 * (a user delegation SAS), and a Reader without that role told why it may not.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bootstrapBusybox } from '../../src/app/busybox-base.ts';
import { READER_ROLE_ID } from '../../src/domain/authorization/built-in-roles.ts';
import { armCaller } from '../support/arm-call.ts';
import { accessibilityViolations, launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let browser: Browser;
let builder: ImageBuilderClient;
const RG = 'images';

before(async () => {
  kiln = await startTestServer();
  [browser] = await Promise.all([
    launchBrowser(),
    bootstrapBusybox(kiln.server.kiln, { sizeMiB: 32 }),
    new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(RG, { location: 'westus' }),
  ]);
  builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

const templateId = (name: string) =>
  `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}`;

test('the list is empty at first and says how to make a template', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Image templates' }).click();
  await page.getByText('No image templates yet').waitFor();
  await page.getByRole('link', { name: 'Create one' }).waitFor();
  await context.close();
});

test('a template refused at its JSON paths, fixed, created, run with its log streaming, and its outputs linked', async () => {
  const { context, page } = await newPortalPage(browser, { bypassCSP: true });
  await signIn(page, kiln);
  await page.goto(portalUrl(kiln, '/templates'));
  await page.getByRole('link', { name: 'Create template' }).click();
  const form = page.getByRole('form', { name: 'Create image template' });
  await form.getByLabel('Name').fill('web-base');
  const json = form.getByRole('textbox', { name: 'Template JSON' });
  // The example follows the fields and names the catalog's image (the busybox one this server has).
  await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('"publisher": "kiln"'));
  const example = JSON.parse(await json.inputValue());
  assert.equal(await form.getByLabel('Resource group').inputValue(), RG);
  assert.deepEqual(example.properties.source, {
    type: 'PlatformImage',
    publisher: 'kiln',
    offer: 'busybox',
    sku: 'busybox',
    version: 'latest',
  });
  assert.equal(example.properties.customize[0].type, 'Shell');
  const imageId = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/images/web-base-image`;
  assert.deepEqual(
    example.properties.distribute.map((d: { type: string; imageId?: string }) => [d.type, d.imageId]),
    [['ManagedImage', imageId]],
  );

  // Two mistakes: a Shell step with nothing to run, and a run output name with a space.
  const wrong = structuredClone(example);
  wrong.properties.customize = [{ type: 'Shell', name: 'steps' }];
  wrong.properties.distribute[0].runOutputName = 'the image';
  wrong.properties.distribute.push({ type: 'VHD', runOutputName: 'vhd' });
  const wrongText = JSON.stringify(wrong, null, 2);
  await json.fill(wrongText);
  await form.getByRole('button', { name: 'Create template' }).click();
  const problems = form.getByRole('list', { name: 'Problems in the template JSON' });
  await problems.waitFor();
  const listed = await problems.getByRole('listitem').allInnerTexts();
  assert.ok(
    listed.some((p) => p.startsWith('properties.customize[0] NoCustomizerScript')),
    listed.join('\n'),
  );
  assert.ok(
    listed.some((p) => p.startsWith('properties.distribute[0].runOutputName ')),
    listed.join('\n'),
  );
  assert.equal(await json.getAttribute('aria-invalid'), 'true');
  assert.equal(await json.inputValue(), wrongText, 'nothing the user wrote is lost');
  assert.deepEqual(await accessibilityViolations(page), []);
  await assert.rejects(builder.virtualMachineImageTemplates.get(RG, 'web-base'), /not found/i);

  // Fixed: a Shell step that writes a line, waits, and writes another, so the log grows while the run goes.
  const fixed = structuredClone(wrong);
  fixed.properties.customize = [
    { type: 'Shell', name: 'steps', inline: ['echo "step one of web-base"', 'sleep 3', 'echo "step two of web-base"'] },
  ];
  fixed.properties.distribute[0].runOutputName = 'image';
  await json.fill(JSON.stringify(fixed, null, 2));
  await form.getByRole('button', { name: 'Create template' }).click();
  await page.getByRole('status').filter({ hasText: 'Image template web-base created' }).waitFor();
  await page.getByRole('heading', { name: 'web-base', level: 1 }).waitFor();
  assert.equal((await builder.virtualMachineImageTemplates.get(RG, 'web-base')).provisioningState, 'Succeeded');
  await page.getByText('This template has not run yet.').waitFor();
  assert.ok(await page.getByRole('button', { name: 'Cancel run' }).isDisabled(), 'nothing to cancel yet');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const log = page.getByRole('log', { name: 'Customization log' });
  const lastRun = page.getByRole('region', { name: 'Last run' });
  await log.getByText('step one of web-base').waitFor();
  const early = await log.innerText();
  assert.doesNotMatch(early, /step two/, 'the first line shows before the step ends');
  assert.match(await lastRun.innerText(), /Running/);
  assert.ok(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled(), 'a run is under way');
  assert.ok(await page.getByRole('button', { name: 'Cancel run' }).isEnabled());
  await log.getByText('step two of web-base').waitFor();
  assert.ok((await log.innerText()).length > early.length, 'the log grew while the run went');

  await page.getByText('The run has ended: this is the whole log.').waitFor({ timeout: 60_000 });
  // The log and the template are two reads; the page reads the template again once the log ends.
  await lastRun.getByText('Succeeded', { exact: true }).waitFor({ timeout: 5_000 });
  const facts = await lastRun.innerText();
  assert.match(facts, /Run state\s+Succeeded/);
  const status = (await builder.virtualMachineImageTemplates.get(RG, 'web-base')).lastRunStatus!;
  assert.equal(status.runState, 'Succeeded', status.message);
  for (const time of [status.startTime!, status.endTime!])
    assert.equal(await lastRun.locator(`time[datetime="${time.toISOString()}"]`).count(), 1);

  const history = page.getByRole('table', { name: 'Run history' });
  await history.getByText('Succeeded').waitFor();
  const subStates = await history.getByRole('list', { name: 'Sub-states' }).getByRole('listitem').allInnerTexts();
  assert.deepEqual(
    subStates.map((s) => s.split(' ')[0]),
    ['Queued', 'Building', 'Customizing', 'Distributing'],
  );
  assert.equal(await history.getByRole('list', { name: 'Sub-states' }).locator('time').count(), 4);

  const outputs = page.getByRole('table', { name: 'Run outputs' });
  await outputs.waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await outputs.getByRole('row', { name: /^vhd/ }).getByRole('button', { name: 'Download VHD' }).waitFor();
  await outputs.getByRole('link', { name: 'images/web-base-image' }).click();
  await page.getByRole('heading', { name: 'web-base-image', level: 1 }).waitFor();
  const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  assert.equal((await compute.images.get(RG, 'web-base-image')).provisioningState, 'Succeeded');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Image templates' }).click();
  const row = page.getByRole('table', { name: 'Image templates' }).getByRole('row', { name: /web-base/ });
  assert.match(await row.innerText(), /web-base\s+images\s+Succeeded\s+PlatformImage/);
  await context.close();
});

test('Cancel stops a run under way, which ends Canceled in the history', async () => {
  await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(RG, 'slow', {
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
    customize: [{ type: 'Shell', name: 'wait', inline: ['echo "waiting a minute"', 'sleep 60'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  });
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await openTemplate(page, 'slow');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('log', { name: 'Customization log' }).getByText('waiting a minute').waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByRole('status').filter({ hasText: 'Cancel of slow requested' }).waitFor();
  const lastRun = page.getByRole('region', { name: 'Last run' });
  await lastRun.getByText('Canceled', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByRole('table', { name: 'Run history' }).getByText('Canceled', { exact: true }).waitFor();
  assert.equal((await builder.virtualMachineImageTemplates.get(RG, 'slow')).lastRunStatus?.runState, 'Canceled');
  assert.ok(await page.getByRole('button', { name: 'Run', exact: true }).isEnabled(), 'it may run again');
  await context.close();
});

test('a Reader sees the template but may not run it', async () => {
  const reader = await kiln.server.kiln.createServicePrincipal('template-reader', {
    role: 'Reader',
    scopes: [`/subscriptions/${kiln.subscriptionId}`],
  });
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln, reader);
  await openTemplate(page, 'web-base');
  await page.getByText('Your role does not allow running this template.').waitFor();
  assert.ok(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled());
  await context.close();
});

test('a Storage Blob Data Reader downloads the VHD through the link the portal signs; a Reader is told why not', async () => {
  const subscription = `/subscriptions/${kiln.subscriptionId}`;
  const downloader = await kiln.server.kiln.createServicePrincipal('vhd-downloader', {
    role: 'Storage Blob Data Reader',
    scopes: [subscription],
  });
  const admin = async (scope: string) => (await kiln.credential.getToken(scope))!.token;
  const granted = await armCaller(kiln, '2022-04-01')(
    await admin('https://management.azure.com/.default'),
    'PUT',
    `${subscription}/resourceGroups/${RG}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}`,
    {
      properties: {
        roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${READER_ROLE_ID}`,
        principalId: downloader.objectId,
      },
    },
  );
  assert.equal(granted.status, 201, JSON.stringify(granted.body));
  const vhd = (await builder.virtualMachineImageTemplates.getRunOutput(RG, 'web-base', 'vhd')).artifactUri!;
  const stored = await fetch(vhd, {
    headers: {
      authorization: `Bearer ${await admin('https://storage.azure.com/.default')}`,
      'x-ms-version': '2025-01-05',
    },
  });
  assert.equal(stored.status, 200);
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const expected = sha256(Buffer.from(await stored.arrayBuffer()));

  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln, downloader);
  await openTemplate(page, 'web-base');
  const row = page.getByRole('table', { name: 'Run outputs' }).getByRole('row', { name: /^vhd/ });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: 'Download VHD' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'web-base.vhd');
  assert.equal(sha256(await readFile((await download.path())!)), expected, 'the browser saved the VHD');
  const link = row.getByRole('link', { name: 'Download web-base.vhd' });
  const signed = new URL((await link.getAttribute('href'))!);
  assert.equal(`${signed.origin}${signed.pathname}`, vhd);
  assert.equal(signed.searchParams.get('sp'), 'r');
  assert.equal(signed.searchParams.get('skoid'), downloader.objectId);
  // The link alone, with no credentials, from outside the browser.
  const fetched = await fetch(signed);
  assert.equal(fetched.status, 200);
  assert.equal(sha256(Buffer.from(await fetched.arrayBuffer())), expected);
  await row.getByRole('button', { name: 'Copy the download link of vhd' }).waitFor();
  await context.close();

  // A Reader sees the output but holds no Storage Blob Data role: the key is refused, and the toast says so.
  const reader = await kiln.server.kiln.createServicePrincipal('vhd-reader-only', {
    role: 'Reader',
    scopes: [subscription],
  });
  const second = await newPortalPage(browser);
  await signIn(second.page, kiln, reader);
  await openTemplate(second.page, 'web-base');
  await second.page
    .getByRole('table', { name: 'Run outputs' })
    .getByRole('row', { name: /^vhd/ })
    .getByRole('button', { name: 'Download VHD' })
    .click();
  await second.page.getByRole('alert').filter({ hasText: 'AuthorizationPermissionMismatch' }).waitFor();
  await second.context.close();
});

async function openTemplate(page: Page, name: string) {
  await page.goto(portalUrl(kiln, `/resource${templateId(name)}`));
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}
