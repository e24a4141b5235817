/**
 * The portal's frame in Chromium: sign-in (a wrong secret refused with Azure AD's reason), the
 * subscriptions, a resource group made from the portal, "All resources" with its type filter,
 * search and hidden types, a resource's JSON with its id, sign-out, and a session that ends (the
 * token no longer accepted) returning the user to sign-in with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let browser: Browser;

before(async () => {
  kiln = await startTestServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

test('a wrong secret is refused with the reason, the right one opens the subscriptions', async () => {
  const { context, page } = await newPortalPage(browser);
  await page.goto(portalUrl(kiln, '/'));
  await page.getByLabel('Application (client) ID').fill(kiln.admin.appId);
  await page.getByLabel('Client secret').fill('not-the-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /secret/i);

  await page.getByLabel('Client secret').fill(kiln.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
  await page.getByRole('cell', { name: kiln.subscriptionId }).waitFor();
  await context.close();
});

test('a resource group made in the portal shows in All resources with its gallery, definitions only with hidden types', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await page.getByRole('table', { name: 'Subscriptions' }).getByRole('link').first().click();
  await page.getByRole('form', { name: 'Create resource group' }).getByLabel('Name').fill('portal-rg');
  await page.getByRole('button', { name: 'Create resource group' }).click();
  await page.getByRole('status').filter({ hasText: 'Resource group portal-rg created' }).waitFor();
  await page.getByRole('link', { name: 'portal-rg' }).waitFor();

  // A gallery and a definition made through the API appear in All resources; the definition is a hidden type.
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const put = async (path: string, body: unknown) => {
    const response = await fetch(`${kiln.url}${path}?api-version=2025-03-03`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.status < 300, await response.text());
  };
  const gallery = `/subscriptions/${kiln.subscriptionId}/resourceGroups/portal-rg/providers/Microsoft.Compute/galleries/shelf`;
  await put(gallery, { location: 'westus' });
  await put(`${gallery}/images/web`, {
    location: 'westus',
    properties: { osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku: 's' } },
  });

  await page.getByRole('link', { name: 'All resources' }).click();
  const table = page.getByRole('table', { name: 'Resources' });
  await table.getByRole('link', { name: 'shelf' }).waitFor();
  assert.equal(await table.getByRole('link', { name: 'web' }).count(), 0, 'definitions are hidden by default');
  await page.getByLabel('Show hidden types').check();
  await table.getByRole('link', { name: 'web' }).waitFor();
  const rows = () => table.locator('tbody tr').allInnerTexts();
  await page.getByLabel('Type', { exact: true }).selectOption('Microsoft.Compute/galleries/images');
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Resources"] tbody tr').length === 1);
  assert.match((await rows())[0], /web/);
  assert.match(page.url(), /type=Microsoft.Compute%2Fgalleries%2Fimages/, 'the filter is in the URL');
  await page.getByLabel('Type', { exact: true }).selectOption('');
  await page.getByLabel('Filter by name').fill('web');
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Resources"] tbody tr').length === 1);
  await page.getByLabel('Filter by name').fill('');
  await page.getByLabel('Show hidden types').uncheck();
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Resources"] tbody tr').length === 1);
  assert.match((await rows())[0], /Microsoft.Compute\/galleries\s/);

  await table.getByRole('link', { name: 'shelf', exact: true }).click();
  await page.getByRole('heading', { name: 'shelf', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('Resource ID', { exact: true }).inputValue(), gallery);
  await context.close();
});

test('sign-out and an ended session both return to sign-in, saying why', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('kiln.session')), null, 'no token is kept');

  await signIn(page, kiln);
  // A token the server no longer accepts (as after it expired or its key was retired).
  await page.evaluate(() => {
    const session = JSON.parse(sessionStorage.getItem('kiln.session')!);
    sessionStorage.setItem('kiln.session', JSON.stringify({ ...session, accessToken: 'expired.token.value' }));
  });
  await page.reload();
  await page.getByText('Your session has expired. Sign in again to go on.').waitFor();
  await page.getByLabel('Client secret').waitFor();
  await context.close();
});
