import { parseArgs } from 'node:util';
import { openKiln } from '../../app/kiln.ts';
import { defaultDataDir } from '../data-dir.ts';

export const spHelp = `Usage: kiln sp create --name NAME [--data DIR] [--db URL]

Creates a service principal and prints, as 'az ad sp create-for-rbac' does,
{"appId", "displayName", "password", "tenant"}. The password is shown only once.

Example:
  kiln sp create --data ./kiln-data --name ci-pipeline`;

export async function sp(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'create') throw new Error(`unknown command 'kiln sp ${action ?? ''}'\n\n${spHelp}`);
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, data: { type: 'string' }, db: { type: 'string' } } });
  if (!values.name) throw new Error(`--name is required\n\n${spHelp}`);
  const kiln = await openKiln({ dataDir: values.data ?? defaultDataDir(), db: values.db });
  try {
    console.log(JSON.stringify(await kiln.createServicePrincipal(values.name), null, 2));
  } finally {
    await kiln.close();
  }
}
