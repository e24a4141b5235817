/**
 * The portal in a real browser: Debian's Chromium driven by playwright-core, headless, against a
 * started Kiln server. One browser per test file; each test takes a fresh context (its own
 * sessionStorage), so a sign-in never leaks from one test into another.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createRequire } from 'node:module';
import type { TestServer } from './test-server.ts';

export const CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface Credentials {
  appId: string;
  password: string;
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root, where Chromium's own sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/**
 * A new page in a fresh context. The server's certificate is signed by the test CA, which Node
 * trusts through NODE_EXTRA_CA_CERTS but Chromium does not know: the context accepts it.
 * `bypassCSP` is for the accessibility check, which injects axe-core as an inline script.
 */
export async function newPortalPage(
  browser: Browser,
  options: { bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    bypassCSP: options.bypassCSP ?? false,
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the sign-in form and waits for the subscriptions page. */
export async function signIn(page: Page, kiln: TestServer, who: Credentials = kiln.admin): Promise<void> {
  await page.goto(`${kiln.url}/portal/`);
  await page.getByLabel('Application (client) ID').fill(who.appId);
  await page.getByLabel('Client secret').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
}

/** A portal path of the server, e.g. `/resources?hidden=true`. */
export const portalUrl = (kiln: TestServer, path: string) => `${kiln.url}/portal${path}`;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2 A and AA checks (labels, names, contrast, landmarks, keyboard focusability) on
 * the page as it is now; the page must come from a context made with `bypassCSP`.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}
