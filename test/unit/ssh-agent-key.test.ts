/**
 * Kiln's agent key in users' VMs (adapters/ssh-communicator.ts `agent`): made once per VM folder, and
 * the same key again from its private half (`kept`) in a folder that never had it, which is how a VM
 * booted by another node (placement.ts) keeps the account its first boot authorized.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createSshCommunicator } from '../../src/adapters/ssh-communicator.ts';

const root = await mkdtemp(join(tmpdir(), 'kiln-agent-key-'));
after(() => rm(root, { recursive: true, force: true }));

it('keeps the agent key in its folder, and makes the same from its private half elsewhere', async () => {
  const communicator = createSshCommunicator();
  const first = await communicator.agent(join(root, 'node-a'));
  assert.match(first.authorizedKey, /^ssh-ed25519 \S+ kiln-agent$/);
  assert.match(first.privateKey, /BEGIN OPENSSH PRIVATE KEY/);
  const again = await communicator.agent(join(root, 'node-a'));
  assert.equal(again.authorizedKey, first.authorizedKey, 'the same key on every call');

  const moved = await communicator.agent(join(root, 'node-b'), first.privateKey);
  assert.equal(moved.authorizedKey, first.authorizedKey, 'the key the first boot authorized');
  assert.equal(moved.privateKey, first.privateKey);
  assert.equal((await stat(join(root, 'node-b', 'agent_ed25519'))).mode & 0o777, 0o600, 'a secret file');

  const fresh = await communicator.agent(join(root, 'node-c'));
  assert.notEqual(fresh.authorizedKey, first.authorizedKey, 'a VM of its own has a key of its own');
});
