/** VM turns on one host: VMs, vCPUs and memory at once, first come first served, too large refused at once. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { VmTurns } from '../../src/adapters/vm-turns.ts';

it('runs VMs while they fit, queues the rest in order, and lets none overtake a larger one waiting', async () => {
  const turns = new VmTurns({ vms: 3, cpus: 4, memoryMiB: 4096 });
  const big = await turns.take({ cpus: 3, memoryMiB: 1024 });
  const order: string[] = [];
  const waiting = [
    turns.take({ cpus: 2, memoryMiB: 1024 }).then((release) => (order.push('second'), release)),
    turns.take({ cpus: 1, memoryMiB: 512 }).then((release) => (order.push('small behind it'), release)),
  ];
  await tick();
  assert.deepEqual(order, [], 'the 2-vCPU VM waits for vCPUs; the small one behind it waits its turn');
  big();
  const [second, small] = await Promise.all(waiting);
  assert.deepEqual(order, ['second', 'small behind it']);
  second();
  small();
});

it('counts memory and VMs as well as vCPUs', async () => {
  const turns = new VmTurns({ vms: 1, cpus: 8, memoryMiB: 2048 });
  const first = await turns.take({ cpus: 1, memoryMiB: 512 });
  let second = false;
  const next = turns.take({ cpus: 1, memoryMiB: 512 }).then((release) => ((second = true), release));
  await tick();
  assert.equal(second, false, 'one VM at a time');
  first();
  (await next)();
});

it('refuses at once a VM larger than the host allows, naming the limit', async () => {
  const turns = new VmTurns({ vms: 2, cpus: 2, memoryMiB: 1024 });
  await assert.rejects(turns.take({ cpus: 4, memoryMiB: 512 }), /needs 4 vCPUs; this host runs VMs with 2 at most/);
  await assert.rejects(turns.take({ cpus: 1, memoryMiB: 4096 }), /needs 4096 MiB of memory; .* 1024 MiB at most/);
});

it('leaves the queue on an abort, letting those behind it go', async () => {
  const turns = new VmTurns({ vms: 1, cpus: 2, memoryMiB: 1024 });
  const running = await turns.take({ cpus: 1, memoryMiB: 256 });
  const abort = new AbortController();
  const aborted = turns.take({ cpus: 1, memoryMiB: 256 }, abort.signal);
  const behind = turns.take({ cpus: 1, memoryMiB: 256 });
  abort.abort(new Error('canceled'));
  await assert.rejects(aborted, /canceled/);
  running();
  (await behind)();
});
