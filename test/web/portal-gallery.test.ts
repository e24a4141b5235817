/**
 * The portal's gallery pages in Chromium: a gallery and an image definition made from the portal
 * (a bad definition name shown at its field first), a version made there from a managed image and
 * replicating to 100 % in two regions on its page as the user watches (the page is never reloaded),
 * excluding it from latest moving `latest` to the version below, and a region removal refused by
 * the safety profile, then allowed.
 *
 * The server runs without job workers of its own: the test starts them when the work may go on, so
 * the version's page is seen before its replication starts and is seen to follow it after.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startWorkers } from '../../src/app/workers.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { accessibilityViolations, launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const GROUP = 'images';

let kiln: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let compute: ComputeManagementClient;
let workers: { stop(): Promise<void> } | undefined;
let imageId: string;

const startJobWorkers = () => {
  workers = startWorkers(kiln.server.kiln, { dataDir: kiln.dataDir, workers: 1, pollMs: 50 });
};
const stopJobWorkers = async () => {
  await workers?.stop();
  workers = undefined;
};

before(async () => {
  kiln = await startTestServer({ workers: 0 });
  browser = await launchBrowser();
  ({ context, page } = await newPortalPage(browser));
  compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
    endpoint: kiln.url,
  }).resourceGroups.createOrUpdate(GROUP, { location: 'westus' });
  startJobWorkers();
  const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/base.vhd', makeVhd(24, 'portal-gallery'));
  const image = await compute.images.createOrUpdate(GROUP, 'base', {
    location: 'westus',
    storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
  });
  imageId = image.id!;
});
after(async () => {
  await stopJobWorkers();
  await context?.close();
  await browser?.close();
  await kiln?.stop();
});

/** The note the field's input is described by: its error once the server named its path. */
const noteOf = (field: Locator) =>
  field.evaluate((input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '');

test('a gallery and an image definition made in the portal, a bad name shown at its field first', async () => {
  await signIn(page, kiln);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Galleries' }).click();
  await page.getByRole('heading', { name: 'Galleries', level: 1 }).waitFor();
  await page.getByText('No galleries yet').waitFor();

  const galleryForm = page.getByRole('form', { name: 'Create gallery' });
  await galleryForm.getByLabel('Resource group').selectOption(GROUP);
  await galleryForm.getByLabel('Name', { exact: true }).fill('shelf');
  await galleryForm.getByLabel('Description').fill('Golden images');
  assert.equal(await galleryForm.getByLabel('Location').inputValue(), 'westus', "the group's region by default");
  await galleryForm.getByRole('button', { name: 'Create gallery' }).click();
  await page.getByRole('status').filter({ hasText: 'Gallery shelf created' }).waitFor();
  const gallery = await compute.galleries.get(GROUP, 'shelf');
  assert.equal(gallery.description, 'Golden images');
  assert.equal(gallery.location, 'westus');

  await page.getByRole('table', { name: 'Galleries' }).getByRole('link', { name: 'shelf' }).click();
  await page.getByRole('heading', { name: 'shelf', level: 1 }).waitFor();
  await page.getByText('No image definitions yet').waitFor();
  const form = page.getByRole('form', { name: 'Create image definition' });
  const name = form.getByLabel('Name', { exact: true });
  await name.fill('debian-');
  await form.getByLabel('Publisher').fill('kiln');
  await form.getByLabel('Offer').fill('debian');
  await form.getByLabel('SKU').fill('12');
  await form.getByLabel('Description').fill('Debian 12');
  await form.getByRole('button', { name: 'Create image definition' }).click();
  await form.getByText(/gallery image name 'debian-' is invalid/).waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  assert.match(await noteOf(name), /^InvalidParameter: The gallery image name 'debian-' is invalid/);

  await name.fill('debian');
  await form.getByRole('button', { name: 'Create image definition' }).click();
  await page.getByRole('status').filter({ hasText: 'Image definition debian created' }).waitFor();
  await page.getByRole('table', { name: 'Image definitions' }).getByRole('link', { name: 'debian' }).waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), null, 'the error is gone');
  const definition = await compute.galleryImages.get(GROUP, 'shelf', 'debian');
  assert.deepEqual(
    [definition.osType, definition.osState, definition.hyperVGeneration, definition.description],
    ['Linux', 'Generalized', 'V2', 'Debian 12'],
  );
  assert.deepEqual(definition.identifier, { publisher: 'kiln', offer: 'debian', sku: '12' });
});

test('a version made from a managed image replicates to 100 % in two regions, live on its page', async () => {
  // A first version, through the API, for `latest` to fall back to later.
  await compute.galleryImageVersions.createOrUpdate(GROUP, 'shelf', 'debian', '1.0.0', {
    location: 'westus',
    storageProfile: { source: { id: imageId } },
  });
  await stopJobWorkers();

  await page.getByRole('table', { name: 'Image definitions' }).getByRole('link', { name: 'debian' }).click();
  await page.getByRole('heading', { name: 'debian', level: 1 }).waitFor();
  await page.getByText('Latest version: 1.0.0').waitFor();
  const form = page.getByRole('form', { name: 'Create version' });
  await form.getByLabel('Version number').fill('1.1.0');
  await form.getByLabel('Source', { exact: true }).selectOption(imageId);
  assert.equal(
    await form.getByLabel('Target region 1', { exact: true }).inputValue(),
    'westus',
    "the definition's region first",
  );
  await form.getByRole('button', { name: 'Add target region' }).click();
  await form.getByLabel('Target region 2', { exact: true }).selectOption('eastus');
  await form.getByLabel('Replicas in region 2').fill('2');
  await form.getByRole('button', { name: 'Create version' }).click();

  await page.getByRole('heading', { name: '1.1.0', level: 1 }).waitFor();
  const table = page.getByRole('table', { name: 'Replication by region' });
  const region = (name: string) => table.getByRole('row').filter({ hasText: name });
  // No worker runs yet: the page shows both regions waiting.
  await region('West US').filter({ hasText: '0 %' }).waitFor();
  await region('East US').filter({ hasText: '0 %' }).waitFor();
  assert.match(await region('East US').innerText(), /Unknown/);
  assert.match(await region('East US').getByRole('cell').nth(3).innerText(), /^2$/, 'two replicas in East US');
  await page.evaluate(() => Object.assign(window, { notReloaded: true }));

  startJobWorkers();
  await region('West US').filter({ hasText: '100 %' }).filter({ hasText: 'Completed' }).waitFor();
  await region('East US').filter({ hasText: '100 %' }).filter({ hasText: 'Completed' }).waitFor();
  assert.equal(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded), true, 'never reloaded');
  await page.getByText('Yes, this version is latest').waitFor();
  assert.equal(await page.getByText('Replicating: this table updates as it goes').count(), 0, 'the live view ended');

  const version = await compute.galleryImageVersions.get(GROUP, 'shelf', 'debian', '1.1.0', {
    expand: 'ReplicationStatus',
  });
  assert.equal(version.provisioningState, 'Succeeded');
  assert.deepEqual(
    version.replicationStatus?.summary?.map((s) => [s.region, s.state, s.progress]),
    [
      ['West US', 'Completed', 100],
      ['East US', 'Completed', 100],
    ],
  );
  // Named by display name, as Azure answers, though the form sent the regions' names.
  assert.deepEqual(
    version.publishingProfile?.targetRegions?.map((t) => [t.name, t.regionalReplicaCount]),
    [
      ['West US', 1],
      ['East US', 2],
    ],
  );
  assert.equal(version.storageProfile?.source?.id, imageId);
});

test('excluding the version from latest moves latest to the version below it', async () => {
  const form = page.getByRole('form', { name: 'Publishing' });
  await form.getByLabel('Exclude from latest').check();
  await form.getByRole('button', { name: 'Save publishing' }).click();
  await page.getByRole('status').filter({ hasText: 'Version 1.1.0 saved' }).waitFor();
  await page.getByText('No, latest is 1.0.0').waitFor();
  const version = await compute.galleryImageVersions.get(GROUP, 'shelf', 'debian', '1.1.0');
  assert.equal(version.publishingProfile?.excludeFromLatest, true);

  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'debian' }).click();
  await page.getByText('Latest version: 1.0.0').waitFor();
  const row = page.getByRole('table', { name: 'Image versions' }).getByRole('row').filter({ hasText: '1.1.0' });
  assert.match(await row.innerText(), /Completed in 2 of 2 regions\s+Yes/);
});

test("a definition's updatable fields saved by PATCH, a bad vCPU range shown at its field first", async () => {
  const form = page.getByRole('form', { name: 'Edit definition' });
  await form.getByLabel('Recommended vCPUs, minimum').fill('8');
  const max = form.getByLabel('Recommended vCPUs, maximum');
  await max.fill('2');
  await form.getByRole('button', { name: 'Save definition' }).click();
  await form.getByText(/'recommended.vCPUs.min' \(8\) is greater than its max \(2\)/).waitFor();
  assert.match(await noteOf(max), /^InvalidParameter: /);

  await max.fill('16');
  await form.getByLabel('EULA').fill('Use at your own risk.');
  await form.getByLabel('End-of-life date').fill('2030-01-31');
  await form.getByLabel('Standard_LRS', { exact: true }).check();
  await form.getByRole('button', { name: 'Save definition' }).click();
  await page.getByRole('status').filter({ hasText: 'Image definition debian saved' }).waitFor();
  const definition = await compute.galleryImages.get(GROUP, 'shelf', 'debian');
  assert.deepEqual(definition.recommended?.vCPUs, { min: 8, max: 16 });
  assert.equal(definition.eula, 'Use at your own risk.');
  assert.equal(definition.endOfLifeDate?.toISOString(), '2030-01-31T00:00:00.000Z');
  assert.deepEqual(definition.disallowed?.diskTypes, ['Standard_LRS']);
  assert.equal(definition.description, 'Debian 12', 'what was not changed stays');
  // The page shows what the server now holds, the day in the browser's own words.
  const day = await page.evaluate(() =>
    new Date('2030-01-31T00:00:00Z').toLocaleDateString(undefined, { timeZone: 'UTC' }),
  );
  await page.getByText(day, { exact: true }).waitFor();
});

test('removing a replicated region is refused while the safety profile keeps them, then done once allowed', async () => {
  await page.getByRole('table', { name: 'Image versions' }).getByRole('link', { name: '1.1.0' }).click();
  const form = page.getByRole('form', { name: 'Target regions' });
  // The version names its regions by display name (`East US`); each picker shows the region it names.
  for (const [row, region] of [
    ['Target region 1', 'West US'],
    ['Target region 2', 'East US'],
  ])
    await form
      .getByRole('combobox', { name: row, exact: true })
      .getByRole('option', { name: region, exact: true, selected: true })
      .waitFor({ state: 'attached' });
  await form.getByLabel('Allow deletion of replicated regions').uncheck();
  await form.getByRole('button', { name: 'Remove target region 2' }).click();
  await form.getByRole('button', { name: 'Save target regions' }).click();
  await form.getByText(/allowDeletionOfReplicatedLocations' is false/).waitFor();
  const kept = await compute.galleryImageVersions.get(GROUP, 'shelf', 'debian', '1.1.0');
  assert.equal(kept.publishingProfile?.targetRegions?.length, 2, 'nothing changed');

  await form.getByLabel('Allow deletion of replicated regions').check();
  await form.getByRole('button', { name: 'Save target regions' }).click();
  await page.getByRole('status').filter({ hasText: 'Target regions of version 1.1.0 saved' }).waitFor();
  const rows = page.getByRole('table', { name: 'Replication by region' }).getByRole('row');
  await rows.filter({ hasText: 'East US' }).waitFor({ state: 'detached' });
  assert.equal(await rows.filter({ hasText: 'West US' }).count(), 1);
  const removed = await compute.galleryImageVersions.get(GROUP, 'shelf', 'debian', '1.1.0');
  assert.deepEqual(
    removed.publishingProfile?.targetRegions?.map((t) => t.name),
    ['West US'],
  );
  assert.equal(removed.safetyProfile?.allowDeletionOfReplicatedLocations, true);
});

test("the gallery pages pass axe's WCAG 2 A and AA checks", async () => {
  const checked = await newPortalPage(browser, { bypassCSP: true });
  try {
    await signIn(checked.page, kiln);
    const definition = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/shelf/images/debian`;
    for (const [path, ready] of [
      ['/galleries', 'Galleries'],
      [`/resource${definition.replace(/\/images\/debian$/, '')}`, 'Image definitions'],
      [`/resource${definition}`, 'Image versions'],
      [`/resource${definition}/versions/1.1.0`, 'Replication by region'],
    ]) {
      await checked.page.goto(portalUrl(kiln, path));
      await checked.page.getByRole('table', { name: ready }).waitFor();
      assert.deepEqual(await accessibilityViolations(checked.page), [], path);
    }
  } finally {
    await checked.context.close();
  }
});
