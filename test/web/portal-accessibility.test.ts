/**
 * The portal's accessibility in Chromium: axe-core's WCAG 2.1 A and AA checks find nothing on the
 * sign-in page, on every page of the side navigation (so a feature's page is checked as soon as it
 * has an entry there), on the pages of a subscription, a resource group and resources of several
 * kinds, on the pages a navigation page links below it (create forms), on each view of access
 * control, a form showing a server error at its field and a confirmation dialog; and the keyboard
 * works from the top of the page: the first Tab reaches the skip link, which moves focus to the
 * content, further Tabs reach the main navigation, and Enter on a navigation link goes to its page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { armCaller } from '../support/arm-call.ts';
import {
  accessibilityViolations,
  launchBrowser,
  newPortalPage,
  portalUrl,
  signIn,
  type AxeViolation,
} from '../support/portal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

let kiln: TestServer;
let browser: Browser;
let subscription: string;
let group: string;
let gallery: string;

before(async () => {
  kiln = await startTestServer();
  browser = await launchBrowser();
  const call = armCaller(kiln, '2025-03-03');
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const put = async (path: string, body: unknown) => {
    const made = await call(token, 'PUT', path, body);
    assert.ok(made.status < 300, JSON.stringify(made.body));
  };
  subscription = `/subscriptions/${kiln.subscriptionId}`;
  group = `${subscription}/resourceGroups/a11y`;
  gallery = `${group}/providers/Microsoft.Compute/galleries/shelf`;
  await put(`${group}?api-version=2022-09-01`, { location: 'westus' });
  await put(gallery, { location: 'westus' });
  await put(`${gallery}/images/web`, {
    location: 'westus',
    properties: { osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku: 's' } },
  });
  await put(`${group}/providers/Microsoft.Compute/disks/data?api-version=2025-01-02`, {
    location: 'westus',
    properties: { diskSizeGB: 1, creationData: { createOption: 'Empty' } },
  });
});
after(async () => {
  await browser?.close();
  await kiln?.stop();
});

/** The page has its title and nothing on it is still loading. */
async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForFunction(
    () => ![...document.querySelectorAll('[role="status"]')].some((s) => /Loading/i.test(s.textContent ?? '')),
  );
}

const describe = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

test('the sign-in page has no accessibility violations', async () => {
  const { context, page } = await newPortalPage(browser, { bypassCSP: true });
  await page.goto(portalUrl(kiln, '/'));
  await page.getByLabel('Client secret').waitFor();
  assert.deepEqual(describe(await accessibilityViolations(page)), []);
  await context.close();
});

test('navigation pages and theirs below, resource pages of each kind, access control and its states have no violations', async (t) => {
  const { context, page } = await newPortalPage(browser, { bypassCSP: true });
  await signIn(page, kiln);
  const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  const navPaths = (await nav.evaluateAll((links) => links.map((a) => a.getAttribute('href')!))).map((href) =>
    href.replace(/^\/portal/, ''),
  );
  assert.ok(navPaths.includes('/access'), `the navigation lists access control: ${navPaths.join(', ')}`);
  const paths = [
    ...navPaths,
    `/resource${subscription}`,
    `/resource${group}`,
    `/resource${gallery}`,
    `/resource${gallery}/images/web`,
    `/resource${group}/providers/Microsoft.Compute/disks/data`,
    `/access${group}`,
    `/access${group}?view=roles&role=${READER}`,
    `/access${group}?view=mine`,
  ];
  const found: Record<string, string[]> = {};
  const check = async (what: string) => {
    const violations = describe(await accessibilityViolations(page));
    if (violations.length > 0) found[what] = violations;
  };
  for (const path of paths) {
    await page.goto(portalUrl(kiln, path));
    await settled(page);
    await check(path);
    // A navigation page's own pages (a create form at `/disks/create`) are checked too.
    if (navPaths.includes(path) && path !== '/') {
      const below = await page
        .getByRole('main')
        .getByRole('link')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
      for (const href of below.map((h) => h.replace(/^\/portal/, '')))
        if (href.startsWith(`${path}/`) && !paths.includes(href)) paths.push(href);
    }
  }

  // States a page reaches by use: a form showing the server's error at its field, a confirmation dialog.
  // At the subscription, where the admin's own assignments are, so rows have Remove.
  await page.goto(portalUrl(kiln, `/access${subscription}`));
  const form = page.getByRole('form', { name: 'Add role assignment' });
  await form.getByLabel('Role', { exact: true }).selectOption({ label: 'Reader' });
  await form.getByLabel('Principal (object or application ID)').fill('not-a-principal');
  await form.getByRole('button', { name: 'Add role assignment' }).click();
  await form.getByText(/InvalidPrincipalId/).waitFor();
  await check('a form with an error at its field');
  await page.getByRole('table', { name: 'Role assignments' }).getByRole('button', { name: 'Remove' }).first().click();
  await page.getByRole('dialog', { name: 'Remove' }).waitFor();
  await check('a confirmation dialog');
  t.diagnostic(`checked ${paths.length} pages: ${paths.join(', ')}`);
  assert.deepEqual(found, {});
  await context.close();
});

test('the keyboard reaches the skip link first, then the navigation, and Enter follows a link', async () => {
  const { context, page } = await newPortalPage(browser);
  await signIn(page, kiln);
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return {
        text: element?.textContent?.trim() ?? '',
        id: element?.id ?? '',
        inMainNav: Boolean(element?.closest('nav[aria-label="Main"]')),
      };
    });

  await page.keyboard.press('Tab');
  assert.equal((await focused()).text, 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal((await focused()).id, 'main', 'the skip link moves focus to the content');

  await page.reload();
  await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
  const order: string[] = [];
  /** Tabs on (at most 10 times) until `reached` holds for what has focus. */
  const tabUntil = async (reached: (f: Awaited<ReturnType<typeof focused>>) => boolean) => {
    for (let presses = 0; presses < 10 && !reached(await focused()); presses++) {
      await page.keyboard.press('Tab');
      order.push((await focused()).text);
    }
    assert.ok(reached(await focused()), `focus order: ${order.join(' → ')}`);
  };
  await tabUntil((f) => f.inMainNav);
  assert.equal(order[0], 'Skip to content', `focus order: ${order.join(' → ')}`);
  await tabUntil((f) => f.inMainNav && f.text === 'All resources');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'All resources', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/portal/resources');
  await context.close();
});
