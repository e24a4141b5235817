/**
 * The portal's boundary (SECURITY.md, 7), attacked in Chromium: a gallery whose description and tag
 * carry script is shown as text and runs nothing; the page refuses a script injected inline (the
 * CSP), even where the app would have rendered one; sign-in keeps no secret anywhere the page can
 * read, and the token it keeps is gone at sign-out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let kiln: TestServer;
let browser: Browser;
const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

before(async () => {
  kiln = await startTestServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

async function put(path: string, apiVersion: string, body: unknown): Promise<void> {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const response = await fetch(`${kiln.url}${path}?api-version=${apiVersion}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(response.status < 300, await response.text());
}

test('script in a resource is shown as text and never runs', async () => {
  const group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/hostile`;
  await put(group, '2025-04-01', { location: 'westus' });
  const gallery = `${group}/providers/Microsoft.Compute/galleries/shelf`;
  await put(gallery, '2025-03-03', {
    location: 'westus',
    tags: { note: PAYLOAD },
    properties: { description: PAYLOAD },
  });

  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  await page.goto(portalUrl(kiln, `/resource${gallery}`));
  await page.getByRole('heading', { name: 'shelf', level: 1 }).waitFor();
  // The payload is on the page as the characters it is made of...
  assert.ok((await page.locator('main').textContent())!.includes('<script>window.__pwned=2</script>'));
  // ...and no element of it exists, nothing of it ran.
  assert.equal(await page.locator('main img[src="x"], main script').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  await context.close();
});

test('the CSP refuses a script injected into the page', async () => {
  const { context, page } = await newPortalPage(browser);
  const response = await page.goto(portalUrl(kiln, '/'));
  const csp = response!.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  // As if a rendering bug let markup through: the browser must not run it.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__pwned = 3';
    document.body.append(script);
    const link = document.createElement('a');
    link.href = 'javascript:window.__pwned = 4';
    document.body.append(link);
    link.click();
  });
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  await context.close();
});

test('sign-in keeps the token only, for the tab, and sign-out drops it', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  const stored = await page.evaluate(() => ({
    session: JSON.stringify({ ...sessionStorage }),
    local: JSON.stringify({ ...localStorage }),
    cookies: document.cookie,
  }));
  assert.ok(!stored.session.includes(kiln.admin.password), 'the secret is not in sessionStorage');
  assert.ok(!stored.local.includes(kiln.admin.password), 'nor in localStorage');
  assert.equal(stored.local, '{}', 'nothing outlives the tab');
  assert.equal(stored.cookies, '');
  assert.equal((await context.cookies()).length, 0);
  assert.match(stored.session, /accessToken/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Client secret').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'the form does not keep the secret');
  await context.close();
});
