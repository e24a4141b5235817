/**
 * Images, disks and snapshots in Chromium: an empty disk made in the portal, snapshotted, the
 * snapshot made an image, each shown with its details and present on the server as the forms said;
 * the disk's download access granted (a SAS URL whose download answers with the disk's bytes, the
 * disk ActiveSAS) and revoked (the same URL refused, the disk Unattached again); and a create the
 * server refuses, its error shown at the field it names, with no disk made.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations, launchBrowser, newPortalPage, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let browser: Browser;
let group: string;

before(async () => {
  [kiln, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/compute-rg`;
  const made = await arm('PUT', group, '2025-04-01', { location: 'westus' });
  assert.equal(made.status, 201, await made.text());
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

async function arm(method: string, path: string, apiVersion: string, body?: unknown): Promise<Response> {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  return fetch(`${kiln.url}${path}?api-version=${apiVersion}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The fields of a disk, snapshot or image the test checks. */
interface ServerCopy {
  sku?: { name: string };
  properties: {
    diskSizeGB?: number;
    provisioningState: string;
    diskState?: string;
    creationData?: { createOption: string; sourceResourceId?: string };
    storageProfile?: { osDisk: { osType: string; osState: string; snapshot?: { id: string } } };
  };
}

/** The resource as the API has it now. */
async function serverCopy(id: string, apiVersion = '2025-01-02'): Promise<ServerCopy> {
  const response = await arm('GET', id, apiVersion);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as ServerCopy;
}

/** Waits until the resource page's details say `value` for `term` (the server's state shown live). */
async function waitForFact(page: Page, term: string, value: string | RegExp) {
  await page
    .getByRole('table', { name: /details$/ })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: term, exact: true }) })
    .getByRole('cell')
    .filter({ hasText: value })
    .waitFor();
}

test('an empty disk made in the portal is snapshotted, imaged, and downloaded through a SAS that revoking ends', async () => {
  const { context, page } = await newPortalPage(browser, { bypassCSP: true });
  await signIn(page, kiln);
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: 'Disks' }).click();
  await page.getByText('No disks yet').waitFor();
  await page.getByRole('link', { name: 'Create disk' }).click();
  const diskForm = page.getByRole('form', { name: 'Create an empty disk' });
  await diskForm.getByLabel('Name').fill('data-disk');
  await diskForm.getByLabel('Size (GiB)').fill('1');
  await diskForm.getByLabel('SKU').selectOption('StandardSSD_LRS');
  await diskForm.getByLabel('Resource group').selectOption('compute-rg');
  await diskForm.getByRole('button', { name: 'Create disk' }).click();
  await page.getByRole('heading', { name: 'data-disk', level: 1 }).waitFor();
  await waitForFact(page, 'Disk state', 'Unattached');
  await waitForFact(page, 'Size', '1 GiB');
  await waitForFact(page, 'Source', 'Empty');
  const diskId = `${group}/providers/Microsoft.Compute/disks/data-disk`;
  const disk = await serverCopy(diskId);
  assert.equal(disk.properties.diskSizeGB, 1);
  assert.equal(disk.properties.provisioningState, 'Succeeded');
  assert.equal(disk.properties.creationData?.createOption, 'Empty');
  assert.equal(disk.sku?.name, 'StandardSSD_LRS');

  // Snapshot it: the form comes with the disk chosen and its group and location.
  await page.getByRole('link', { name: 'Create snapshot' }).click();
  const snapshotForm = page.getByRole('form', { name: 'Create a snapshot' });
  await snapshotForm.getByLabel('Source disk').waitFor();
  assert.equal(await snapshotForm.getByLabel('Source disk').inputValue(), diskId);
  await snapshotForm.getByLabel('Name').fill('data-snap');
  await snapshotForm.getByRole('button', { name: 'Create snapshot' }).click();
  await page.getByRole('heading', { name: 'data-snap', level: 1 }).waitFor();
  await waitForFact(page, 'Source', 'Copy of data-disk');
  const snapshotId = `${group}/providers/Microsoft.Compute/snapshots/data-snap`;
  assert.equal((await serverCopy(snapshotId)).properties.creationData?.sourceResourceId, diskId);

  // An image of the snapshot.
  await page.getByRole('link', { name: 'Create image from this' }).click();
  const imageForm = page.getByRole('form', { name: 'Create an image' });
  await imageForm.getByLabel('Source disk or snapshot').waitFor();
  assert.equal(await imageForm.getByLabel('Source disk or snapshot').inputValue(), snapshotId);
  assert.equal(await imageForm.getByLabel('OS state').inputValue(), 'Generalized');
  await imageForm.getByLabel('Name').fill('data-image');
  await imageForm.getByRole('button', { name: 'Create image' }).click();
  await page.getByRole('heading', { name: 'data-image', level: 1 }).waitFor();
  await waitForFact(page, 'Provisioning state', 'Succeeded');
  await waitForFact(page, 'Source', 'data-snap');
  await waitForFact(page, 'OS state', 'Generalized');
  await waitForFact(page, 'OS disk size', '1 GiB');
  const { storageProfile } = (await serverCopy(`${group}/providers/Microsoft.Compute/images/data-image`, '2024-11-01'))
    .properties;
  assert.deepEqual(storageProfile?.osDisk.snapshot, { id: snapshotId });
  assert.equal(storageProfile?.osDisk.osType, 'Linux');
  assert.equal(storageProfile?.osDisk.osState, 'Generalized');

  await nav.getByRole('link', { name: 'Images' }).click();
  const images = page.getByRole('table', { name: 'Images' });
  await images.getByRole('row', { name: /data-image.*compute-rg.*1 GiB.*Linux.*Succeeded/ }).waitFor();

  // Download access on the disk.
  await nav.getByRole('link', { name: 'Disks' }).click();
  await page.getByRole('table', { name: 'Disks' }).getByRole('link', { name: 'data-disk' }).click();
  await page.getByLabel('Expires in (seconds)').fill('600');
  await page.getByRole('button', { name: 'Grant access' }).click();
  const sasField = page.getByRole('textbox', { name: 'SAS URL' });
  await sasField.waitFor();
  await waitForFact(page, 'Disk state', 'ActiveSAS');
  const sas = await sasField.inputValue();
  assert.equal(await page.getByRole('link', { name: 'Download data-disk.vhd' }).getAttribute('href'), sas);
  await page.getByRole('button', { name: 'Copy SAS URL' }).waitFor();
  await page.getByText(/^Expires \d/).waitFor();
  const expiresIn = (Date.parse(new URL(sas).searchParams.get('se')!) - Date.now()) / 1000;
  assert.ok(expiresIn > 540 && expiresIn <= 601, `the SAS expires in ${expiresIn} s, as asked`);
  assert.equal((await serverCopy(diskId)).properties.diskState, 'ActiveSAS');
  assert.deepEqual(await accessibilityViolations(page), []);
  const download = await fetch(sas, { headers: { range: 'bytes=0-4095' } });
  assert.ok([200, 206].includes(download.status), `download answered ${download.status}`);
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(bytes.length, 4096);
  assert.ok(
    bytes.every((b) => b === 0),
    'an empty disk reads as zeros',
  );

  await page.getByRole('button', { name: 'Revoke access' }).click();
  await page.getByRole('dialog', { name: 'Revoke access' }).getByRole('button', { name: 'Revoke access' }).click();
  await page.getByRole('status').filter({ hasText: 'Access to data-disk revoked' }).waitFor();
  await waitForFact(page, 'Disk state', 'Unattached');
  assert.equal(await sasField.count(), 0, 'the revoked URL is no longer shown');
  assert.equal((await serverCopy(diskId)).properties.diskState, 'Unattached');
  const refused = await fetch(sas, { headers: { range: 'bytes=0-4095' } });
  assert.equal(refused.status, 403);
  await context.close();
});

test('a disk size the server refuses is shown at the Size field, and no disk is made', async () => {
  const { context, page } = await newPortalPage(browser, { bypassCSP: true });
  await signIn(page, kiln);
  await page.goto(`${kiln.url}/portal/disks/create`);
  const form = page.getByRole('form', { name: 'Create an empty disk' });
  await form.getByLabel('Resource group').selectOption('compute-rg');
  await form.getByLabel('Name').fill('too-big');
  await form.getByLabel('Size (GiB)').fill('40000');
  await form.getByRole('button', { name: 'Create disk' }).click();
  // The message is the field's description, not an alert above the buttons.
  const size = form.getByLabel('Size (GiB)');
  const note = form.getByText("The value '40000' of 'properties.diskSizeGB' must be an integer from 1 to 32767");
  await note.waitFor();
  assert.equal(await size.getAttribute('aria-describedby'), await note.getAttribute('id'));
  assert.equal(await size.getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByRole('alert').count(), 0);
  assert.deepEqual(await accessibilityViolations(page), []);
  const missing = await arm('GET', `${group}/providers/Microsoft.Compute/disks/too-big`, '2025-01-02');
  assert.equal(missing.status, 404);
  await context.close();
});
