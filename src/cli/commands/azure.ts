/**
 * The Azure-CLI-shaped commands, which talk to a running Kiln server: their tree, and the entries
 * and help lines main.ts adds to its command table.
 */
import type { GroupSpec } from '../arm/command.ts';
import { runTree } from '../arm/runner.ts';
import { account } from './account.ts';
import { deployment } from './deployment.ts';
import { disk } from './disk.ts';
import { feature } from './feature.ts';
import { group } from './group.ts';
import { image } from './image.ts';
import { login, logout } from './login.ts';
import { provider } from './provider.ts';
import { resource } from './resource.ts';
import { role } from './role.ts';
import { sig } from './sig.ts';
import { snapshot } from './snapshot.ts';
import { tag } from './tag.ts';
import { vm } from './vm.ts';

export const root: GroupSpec = {
  name: 'kiln',
  summary: 'Kiln',
  commands: [login, logout],
  groups: [account, group, disk, snapshot, image, sig, vm, role, deployment, provider, feature, resource, tag],
};

type Entry = [run: (argv: string[]) => Promise<void>, help: string, ownHelp: true];

/** `kiln <name> ...` for each top-level command and group, in main.ts's table; each prints its own help. */
export const azureCommands: Record<string, () => Promise<Entry>> = Object.fromEntries(
  [...root.commands, ...root.groups!].map((entry) => [
    entry.name,
    async (): Promise<Entry> => [(argv) => runTree(root, [entry.name, ...argv]), entry.summary, true],
  ]),
);

export const azureHelp = [...root.commands, ...root.groups!]
  .map((entry) => `  ${entry.name.padEnd(16)} ${entry.summary}`)
  .join('\n');
