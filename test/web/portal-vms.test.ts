/**
 * The portal's virtual machines in Chromium, against a started server that really boots them: the
 * empty list says how to make one; the create form (accessible by axe's checks) offers gallery image
 * versions, managed images and the platform catalog level by level, and takes a gallery image version
 * made through the API and shows a refused admin name at its field, leaving no network
 * behind; the accepted VM's page follows the create live to VM running with the guest's boot lines
 * in its serial log; Stop asks first and shows VM stopped (the guest powered itself off), Start runs
 * it again; the list shows it with its group, size, power state and OS. The server's instance view
 * is checked after each change, and no page breaks the CSP.
 *
 * The image is the small bootable disk (test/support/bootable-disk.ts, seconds to boot under TCG)
 * made to power off on ACPI's power button (power-button-disk.ts): the plain disk ignores the button,
 * so each stop would wait out Kiln's 60 s before a hard stop.
 */
import { ComputeManagementClient, type VirtualMachineInstanceView } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { accessibilityViolations, launchBrowser, newPortalPage, portalUrl, signIn } from '../support/portal.ts';
import { powerButtonDisk } from '../support/power-button-disk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'portal-vms';
const LOCATION = 'westus';
const VERSION = { gallery: 'shelf', definition: 'busybox', version: '1.0.0' };
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForThePortalTestOnly0000000000000000 portal@test';
/** A boot, with the OS disk made first, under TCG on a busy machine. */
const BOOT_MS = 90_000;

describe('virtual machines in the portal', { skip: process.getuid?.() !== 0 && 'VMs need root' }, () => {
  let kiln: TestServer;
  let browser: Browser;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;

  before(async () => {
    // A public IP pool of its own: VM test files running at once would take the same addresses.
    [kiln, browser] = await Promise.all([
      startTestServer({ config: { network: { publicIpAddressPool: '127.117.0.0/24' } } }),
      launchBrowser(),
    ]);
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    network = new NetworkManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await galleryVersionOfBootableDisk();
  });
  after(async () => {
    await browser?.close();
    await kiln?.stop();
  });

  /** The power-button disk as a platform image, a disk of it, and a gallery version of the disk. */
  async function galleryVersionOfBootableDisk() {
    const urn = { publisher: 'kiln', offer: 'portal', sku: 'busybox', version: '1.0.0' };
    await importPlatformImage(kiln.server.kiln, {
      ...urn,
      hyperVGeneration: 'V1',
      file: (await powerButtonDisk()).path,
    });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(RG, { location: LOCATION });
    const disk = await compute.disks.beginCreateOrUpdateAndWait(RG, 'busybox-os', {
      location: LOCATION,
      creationData: {
        createOption: 'FromImage',
        imageReference: {
          id: `/Subscriptions/${kiln.subscriptionId}/Providers/Microsoft.Compute/Locations/${LOCATION}/Publishers/${urn.publisher}/ArtifactTypes/VMImage/Offers/${urn.offer}/Skus/${urn.sku}/Versions/${urn.version}`,
        },
      },
    });
    await compute.galleries.beginCreateOrUpdateAndWait(RG, VERSION.gallery, { location: LOCATION });
    await compute.galleryImages.beginCreateOrUpdateAndWait(RG, VERSION.gallery, VERSION.definition, {
      location: LOCATION,
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V1',
      identifier: { publisher: 'kiln', offer: 'portal', sku: 'busybox' },
    });
    await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      RG,
      VERSION.gallery,
      VERSION.definition,
      VERSION.version,
      { location: LOCATION, storageProfile: { osDiskImage: { source: { id: disk.id } } } },
    );
  }

  const powerState = async (name: string) =>
    ((await compute.virtualMachines.instanceView(RG, name)) as VirtualMachineInstanceView).statuses
      ?.map((s) => s.code)
      .find((code) => code?.startsWith('PowerState/'));

  /** Resolves once the page's power state reads `text`. */
  const powerStateShows = (page: Page, text: string, timeout = BOOT_MS) =>
    page.getByRole('status', { name: 'Power state' }).filter({ hasText: text }).waitFor({ timeout });

  it('the empty list says how to make a VM; the create form offers each kind of image and passes axe checks', async () => {
    const { context, page } = await newPortalPage(browser, { bypassCSP: true });
    await signIn(page, kiln);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Virtual machines' }).click();
    await page.getByText('No virtual machines yet').waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Create virtual machine' }).click();
    await page.getByRole('heading', { name: 'Create virtual machine', level: 1 }).waitFor();
    await page
      .getByLabel('Image version', { exact: true })
      .locator('option', { hasText: 'shelf/busybox/1.0.0' })
      .waitFor({ state: 'attached' });
    await page.getByRole('radio', { name: 'Managed image' }).check();
    await page.getByText('No managed image is in westus').waitFor();
    // The platform catalog, level by level: the image the version was made from is there.
    await page.getByRole('radio', { name: 'Platform image' }).check();
    for (const [level, name] of [
      ['Publisher', 'kiln'],
      ['Offer', 'portal'],
      ['SKU', 'busybox'],
    ]) {
      const select = page.getByLabel(level, { exact: true });
      await select.locator('option', { hasText: name }).waitFor({ state: 'attached' });
      await select.selectOption(name);
    }
    const versions = page.getByLabel('Version', { exact: true });
    await versions.locator('option', { hasText: '1.0.0' }).waitFor({ state: 'attached' });
    assert.deepEqual(await versions.locator('option').allInnerTexts(), ['Choose…', 'latest', '1.0.0']);
    assert.deepEqual(await accessibilityViolations(page), []);
    await context.close();
  });

  it(
    'creates a VM from a gallery image version, follows its boot, stops and starts it',
    { timeout: 240_000 },
    async () => {
      const { context, page } = await newPortalPage(browser);
      const cspViolations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      await signIn(page, kiln);
      await page.goto(portalUrl(kiln, '/vms/create'));
      const form = page.getByRole('form', { name: 'Create virtual machine' });
      await form.getByLabel('Virtual machine name').fill('web1');
      await form
        .getByLabel('Image version', { exact: true })
        .selectOption({ label: `${VERSION.gallery}/${VERSION.definition}/${VERSION.version}` });
      assert.equal(
        await form.getByLabel('Size').inputValue(),
        'Standard_B1s',
        'the smallest common size is offered first',
      );
      assert.equal(await form.getByLabel('Location').inputValue(), LOCATION, "the group's location");
      await form.getByLabel('SSH public key').fill(SSH_KEY);

      // A name the image has already is refused at its field, and the network made for the VM is removed.
      await form.getByLabel('Admin user name').fill('root');
      await form.getByRole('button', { name: 'Create virtual machine' }).click();
      const adminUser = form.getByLabel('Admin user name');
      await form.locator('[aria-invalid="true"]').first().waitFor();
      assert.equal(await adminUser.getAttribute('aria-invalid'), 'true');
      const described = await adminUser.getAttribute('aria-describedby');
      assert.match(
        await page.locator(`[id="${described}"]`).innerText(),
        /InvalidParameter: The Admin Username 'root' is not allowed/,
      );
      await form.getByRole('list', { name: 'Progress' }).getByText('Removed network interface web1VMNic').waitFor();
      for (const list of [
        network.virtualNetworks.list(RG),
        network.networkSecurityGroups.list(RG),
        network.publicIPAddresses.list(RG),
        network.networkInterfaces.list(RG),
      ])
        for await (const left of list) assert.fail(`the refused VM left ${left.id} behind`);

      // Accepted: the network is made as az makes it, and the VM's page follows the create to running.
      await adminUser.fill('azureuser');
      await form.getByRole('button', { name: 'Create virtual machine' }).click();
      await page.getByRole('heading', { name: 'web1', level: 1 }).waitFor({ timeout: 30_000 });
      // The create takes seconds (the OS disk made from the version, then the boot): the page shows it go.
      await powerStateShows(page, 'VM starting', 10_000);
      await page.getByRole('status').filter({ hasText: 'Creating: the OS disk is made from the image' }).waitFor();
      await powerStateShows(page, 'VM running');
      assert.equal(await powerState('web1'), 'PowerState/running');
      const serial = page.getByRole('log', { name: 'Serial log' });
      await serial.filter({ hasText: 'KILN-BOOT:' }).waitFor({ timeout: 15_000 });
      await serial.filter({ hasText: 'Kiln bootable test disk' }).waitFor({ timeout: 15_000 });
      const nic = await network.networkInterfaces.get(RG, 'web1VMNic');
      assert.match(nic.ipConfigurations![0].subnet!.id!, /virtualNetworks\/web1VNET\/subnets\/web1Subnet$/);
      assert.match(nic.networkSecurityGroup!.id!, /networkSecurityGroups\/web1NSG$/);
      const ip = await network.publicIPAddresses.get(RG, 'web1PublicIP');
      assert.equal(
        await page.getByRole('definition').filter({ hasText: 'ssh ' }).locator('code').innerText(),
        `ssh azureuser@${ip.ipAddress}`,
      );

      // Stop asks first, then the state moves to stopped; only Start applies then.
      const power = page.getByRole('group', { name: 'Power' });
      assert.equal(
        await power.getByRole('button', { name: 'Start', exact: true }).isDisabled(),
        true,
        'a running VM cannot start',
      );
      await power.getByRole('button', { name: 'Stop' }).click();
      await page.getByRole('dialog', { name: 'Stop' }).getByRole('button', { name: 'Stop' }).click();
      await powerStateShows(page, 'VM stopped', 60_000);
      await page.getByRole('status').filter({ hasText: 'web1 stopped' }).waitFor();
      assert.equal(await powerState('web1'), 'PowerState/stopped');
      await serial.filter({ hasText: 'power button: powering off' }).waitFor({ timeout: 15_000 });
      assert.equal(await power.getByRole('button', { name: 'Stop' }).isDisabled(), true, 'a stopped VM cannot stop');

      await power.getByRole('button', { name: 'Start', exact: true }).click();
      await powerStateShows(page, 'VM running');
      assert.equal(await powerState('web1'), 'PowerState/running');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Virtual machines' }).click();
      const row = page.getByRole('table', { name: 'Virtual machines' }).getByRole('row', { name: /web1/ });
      await row.waitFor();
      assert.match(
        await row.innerText(),
        new RegExp(`web1\\s+${RG}\\s+${LOCATION}\\s+Standard_B1s\\s+VM running\\s+Linux`),
      );
      assert.deepEqual(cspViolations, []);
      await context.close();
    },
  );
});
