// A VM's console mirror (jobs/tasks/machine-console.ts) and the host's stopAll: a process that ends
// stops its VMs, then makes each console's last copy before it returns, so no copy lands in a region
// store after the process has let go of it (a test's data folder was being removed under one).
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import { bootDiagnosticsBlob, type VirtualMachine } from '../../src/domain/virtual-machines/virtual-machine.ts';
import { MachineHost } from '../../src/imaging/machines/machine-host.ts';
import { mirrorConsole } from '../../src/jobs/tasks/machine-console.ts';
import type { VmDriver } from '../../src/ports/vm-driver.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('console mirror', () => {
  it("makes its last copy inside the host's stopAll, and none after", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-console-'));
    dirs.push(dir);
    const regions = createFsRegionStores([{ name: 'westus', dir: join(dir, 'westus') }]);
    const ctx = { regions } as unknown as DomainContext;
    const vm = { location: 'westus', properties: { vmId: 'c0ffee00-0000-4000-8000-000000000001' } } as VirtualMachine;
    const file = join(dir, 'serial.log');
    await writeFile(file, 'boot line 1\n');
    const host = new MachineHost({} as VmDriver);
    const errors: unknown[] = [];
    mirrorConsole(
      ctx,
      vm,
      file,
      () => true,
      (error) => errors.push(error),
      host,
    );
    await appendFile(file, 'login: \n');
    // No machine runs on this host: stopAll stops nothing and then ends the mirror, its copy awaited.
    await host.stopAll();
    const blob = bootDiagnosticsBlob(vm);
    const store = regions.get('westus')!;
    assert.equal((await buffer(store.read(blob.key))).toString(), 'boot line 1\nlogin: \n');
    await appendFile(file, 'written after the process let go\n');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal((await buffer(store.read(blob.key))).toString(), 'boot line 1\nlogin: \n', 'no copy after stopAll');
    assert.deepEqual(errors, []);
  });
});
