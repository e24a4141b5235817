// The README's screenshots of the portal, taken in Debian's Chromium from a server the quickstart
// filled (its group `quickstart`: gallery shelf, definition app and its version, the template
// app-template with its run's log and outputs):
//
//   KILN_PORT=8443 bash scripts/quickstart.sh --base busybox --keep
//   node --import tsx scripts/portal-screenshots.ts .kiln https://127.0.0.1:8443 docs/screenshots
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, newPortalPage } from '../test/support/portal.ts';

const [dataDir, url, outDir] = process.argv.slice(2);
if (!outDir) throw new Error('usage: portal-screenshots.ts DATA_DIR SERVER_URL OUT_DIR');
const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
const subscriptionId = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')).subscriptions[0].id;
const group = `/subscriptions/${subscriptionId}/resourceGroups/quickstart`;
const definition = `${group}/providers/Microsoft.Compute/galleries/shelf/images/app`;
const template = `${group}/providers/Microsoft.VirtualMachineImages/imageTemplates/app-template`;

const browser = await launchBrowser();
const { page } = await newPortalPage(browser);
const shoot = async (name: string, path: string, ready: (page: Page) => Promise<unknown>) => {
  await page.goto(`${url}/portal${path}`);
  await ready(page);
  // Spinners settle and live polls show their latest state.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: join(outDir, `${name}.png`) });
  console.log(`${name}.png  ${path}`);
};
const heading = (name: string | RegExp) => (p: Page) => p.getByRole('heading', { name, level: 1 }).waitFor();

await shoot('sign-in', '/', heading('Sign in to Kiln'));
await page.getByLabel('Application (client) ID').fill(admin.appId);
await page.getByLabel('Client secret').fill(admin.password);
await page.getByRole('button', { name: 'Sign in' }).click();
await heading('Subscriptions')(page);

await shoot('all-resources', '/resources?hidden=true', (p) => p.getByRole('table', { name: 'Resources' }).waitFor());
const versions = await page.evaluate(
  async ([id, token]) =>
    (
      await (
        await fetch(`${id}/versions?api-version=2025-03-03`, { headers: { authorization: `Bearer ${token}` } })
      ).json()
    ).value.map((v: { id: string }) => v.id),
  [definition, JSON.parse((await page.evaluate(() => sessionStorage.getItem('kiln.session')))!).accessToken],
);
await shoot('gallery-definition', `/resource${definition}`, heading('app'));
await shoot('gallery-version', `/resource${versions[0]}`, (p) =>
  p
    .getByText(/100\s?%/)
    .first()
    .waitFor(),
);
await shoot('image-template', `/resource${template}`, heading('app-template'));
await shoot('access-control', `/access${group}`, (p) => p.getByRole('table').first().waitFor());
await browser.close();
