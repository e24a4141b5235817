// The README's main-job command itself, with the busybox base (the Debian one needs a mirror, and
// tests stay on loopback): it must finish, say where everything is, and what it prints must work.
import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const quickstart = (data: string) =>
  spawnSync('bash', ['scripts/quickstart.sh', '--base', 'busybox'], {
    encoding: 'utf8',
    env: { ...process.env, KILN_DATA: data, KILN_PORT: '0' },
    timeout: 300_000,
  });

describe('the main job: bash scripts/quickstart.sh', () => {
  let work: string;
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds the sample template into a managed image, a gallery version in two regions and a VHD, and a second run reuses the base', async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-quickstart-'));
    const data = join(work, 'data');
    const first = quickstart(data);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    const out = first.stdout;
    for (const step of ['motd', 'app-config', 'install-config', 'generalize'])
      assert.match(out, new RegExp(`==> ${step}: succeeded`), step);
    assert.match(out, /run Running Distributing/);
    assert.match(
      out,
      /image {4}Succeeded {2}\/subscriptions\/.*\/resourceGroups\/quickstart\/providers\/Microsoft\.Compute\/images\/app-image/,
    );
    assert.match(out, /gallery {2}Succeeded {2}.*\/galleries\/shelf\/images\/app\/versions\/1\.0\.0/);
    assert.match(out, /gallery version .*versions\/1\.0\.0 \(West US Completed 100%, East US Completed 100%\)/);
    assert.match(out, /run Succeeded in/);

    // The printed one-liner really shows what the Shell customizer wrote.
    const lookInside = /look inside: (.+)/.exec(out)![1];
    const motd = execSync(lookInside, {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.match(motd, /^Built by Kiln on /);

    const second = quickstart(data);
    assert.equal(second.status, 0, second.stdout + second.stderr);
    const baseLine = (text: string) => /==> base image \(busybox\)[^\n]*\n {4}(.*)/.exec(text)![1];
    assert.equal(baseLine(second.stdout), baseLine(out), 'the second run reuses the imported base image');
    assert.match(second.stdout, /run Succeeded in/);
  });
});
