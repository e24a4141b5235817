/**
 * Access control (IAM) in Chromium: the admin (Owner of the subscription) picks a resource group in
 * Access control, is refused a principal id that is not one at that field, then gives a second
 * service principal Reader there; that principal signs in, sees the group and its gallery but no
 * Delete button, no create form and no way to add role assignments, and a DELETE it forces with its
 * own token is refused 403; the admin removes the assignment in the portal and the principal's
 * access is gone on the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { armCaller, newPrincipal, type ArmCall } from '../support/arm-call.ts';
import { launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let browser: Browser;
let call: ArmCall;
let adminToken: string;
let viewer: Awaited<ReturnType<typeof newPrincipal>>;
let group: string;
let gallery: string;

before(async () => {
  kiln = await startTestServer();
  browser = await launchBrowser();
  call = armCaller(kiln, '2022-04-01');
  adminToken = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/team`;
  gallery = `${group}/providers/Microsoft.Compute/galleries/shelf`;
  assert.equal((await call(adminToken, 'PUT', `${group}?api-version=2022-09-01`, { location: 'westus' })).status, 201);
  const made = await call(adminToken, 'PUT', `${gallery}?api-version=2025-03-03`, { location: 'westus' });
  assert.ok(made.status < 300, JSON.stringify(made.body));
  viewer = await newPrincipal(kiln, 'viewer');
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

/** The viewer's role assignments at the group, as the server has them. */
const viewerAssignments = async () => {
  const listed = await call(
    adminToken,
    'GET',
    `${group}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${viewer.objectId}'`)}`,
  );
  return listed.body.value as { properties: { scope: string; roleDefinitionId: string } }[];
};

const assignmentsTable = (page: Page) => page.getByRole('table', { name: 'Role assignments' });

test('the admin picks the group in Access control and gives the second principal Reader there', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access control' }).click();
  const chooser = page.getByRole('form', { name: 'Choose a scope' });
  await chooser.getByLabel('Resource group').selectOption({ label: 'team' });
  await chooser.getByRole('button', { name: 'Open access control' }).click();
  await page.getByRole('heading', { name: 'Access control (IAM)', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/portal/access${group}`);

  // The admin's own Owner role reaches the group from the subscription.
  const mine = assignmentsTable(page).getByRole('row', { name: /Owner/ });
  await mine.first().waitFor();
  assert.match(await mine.first().innerText(), /\(you\)[\s\S]*Inherited from/);

  const form = page.getByRole('form', { name: 'Add role assignment' });
  await form.getByLabel('Role', { exact: true }).selectOption({ label: 'Reader' });
  await form.getByLabel('Principal (object or application ID)').fill('not-a-principal');
  await form.getByRole('button', { name: 'Add role assignment' }).click();
  await form.getByText(/InvalidPrincipalId/).waitFor();
  assert.equal(await form.getByLabel('Principal (object or application ID)').getAttribute('aria-invalid'), 'true');

  await form.getByLabel('Principal (object or application ID)').fill(viewer.objectId);
  await form.getByRole('button', { name: 'Add role assignment' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Reader assigned to ${viewer.objectId}` })
    .waitFor();
  const row = assignmentsTable(page).getByRole('row', { name: new RegExp(viewer.objectId) });
  await row.waitFor();
  assert.match(await row.innerText(), /Reader[\s\S]*ServicePrincipal[\s\S]*This scope/);

  const stored = await viewerAssignments();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].properties.scope, group);
  assert.match(stored[0].properties.roleDefinitionId, /acdd72a7-3385-48ef-bd42-f606fba81ae7$/);
  await context.close();
});

test('the Reader sees the group and its gallery, but nothing to delete, create or assign; a forced DELETE is 403', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln, viewer);
  const subscriptionPermissions = page.waitForResponse((r) =>
    r.url().includes(`/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/permissions`),
  );
  await page.getByRole('table', { name: 'Subscriptions' }).getByRole('link').first().click();
  assert.equal((await subscriptionPermissions).status(), 200);
  await page.getByRole('form', { name: 'Create resource group' }).waitFor({ state: 'detached' });
  await page.getByRole('table', { name: 'Resource groups' }).getByRole('link', { name: 'team' }).click();
  await page.getByRole('heading', { name: 'team', level: 1 }).waitFor();

  const galleryPermissions = page.waitForResponse((r) =>
    r.url().includes(`${gallery}/providers/Microsoft.Authorization/permissions`),
  );
  await page.getByRole('table', { name: 'Resources' }).getByRole('link', { name: 'shelf' }).click();
  await page.getByRole('heading', { name: 'shelf', level: 1 }).waitFor();
  assert.equal((await galleryPermissions).status(), 200);
  // Shown until the permissions arrive (use-permissions.ts allows until then), gone once they say Reader.
  await page.getByRole('button', { name: 'Delete' }).waitFor({ state: 'detached' });
  // The resource has loaded (its JSON view, folded under the gallery's overview, holds its id).
  await page.getByLabel('Resource ID', { exact: true }).waitFor({ state: 'attached' });
  assert.equal(await page.getByRole('form', { name: /create/i }).count(), 0, 'no create form on the gallery');

  const forced = await call(viewer.token, 'DELETE', `${gallery}?api-version=2025-03-03`);
  assert.equal(forced.status, 403);
  assert.equal(forced.body.error.code, 'AuthorizationFailed');
  assert.equal((await call(adminToken, 'GET', `${gallery}?api-version=2025-03-03`)).status, 200, 'still there');

  // Its access page shows the assignments but offers no change, and says what it may do.
  await page.goto(portalUrl(kiln, `/access${group}`));
  await assignmentsTable(page)
    .getByRole('row', { name: new RegExp(viewer.objectId) })
    .waitFor();
  await page.getByText('Adding or removing role assignments takes Owner').waitFor();
  assert.equal(await page.getByRole('form', { name: 'Add role assignment' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Remove' }).count(), 0);
  await page.getByRole('link', { name: 'My access' }).click();
  const may = page.getByRole('table', { name: 'What you may do here' });
  assert.match(await may.getByRole('row', { name: /Read it/ }).innerText(), /Yes$/);
  assert.match(await may.getByRole('row', { name: /Delete it/ }).innerText(), /No$/);
  assert.match(await may.getByRole('row', { name: /Give others access/ }).innerText(), /No$/);
  await context.close();
});

test('the admin removes the assignment in the portal and the Reader loses the group', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  // A path that names no scope says so over the picker.
  await page.goto(portalUrl(kiln, '/access/not-a-scope'));
  await page.getByRole('alert').filter({ hasText: '/not-a-scope is not a subscription' }).waitFor();
  await page.goto(portalUrl(kiln, `/access${group}`));
  const row = assignmentsTable(page).getByRole('row', { name: new RegExp(viewer.objectId) });
  await row.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog', { name: 'Remove' }).getByRole('button', { name: 'Remove' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Removed Reader from ${viewer.objectId}` })
    .waitFor();
  await row.waitFor({ state: 'detached' });

  assert.deepEqual(await viewerAssignments(), []);
  assert.equal((await call(viewer.token, 'GET', `${group}?api-version=2022-09-01`)).status, 403);
  await context.close();
});
