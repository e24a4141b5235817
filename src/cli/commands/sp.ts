import { parseArgs } from 'node:util';
import { openKiln } from '../../app/kiln.ts';
import { defaultDataDir } from '../data-dir.ts';
import { outputOptions, printResult } from '../local-output.ts';

export const spHelp = `Usage: kiln sp create --name NAME [--role ROLE --scopes SCOPE...] [--data DIR] [--config FILE] [--db URL] [--db-schema S] [-o FORMAT] [--query Q]

Creates a service principal and prints, as 'az ad sp create-for-rbac' does,
{"appId", "displayName", "password", "tenant"}, plus its "objectId" (the
principalId role assignments name). The password is shown only once.

A new principal has no access. --role (a role name such as Contributor or
Reader, or a role definition id) with --scopes (subscription, resource group
or resource ids; several separated by spaces or given as several --scopes)
assigns that role at each scope, as 'az ad sp create-for-rbac' does.

Examples:
  kiln sp create --data ./kiln-data --name ci-pipeline
  kiln sp create --data ./kiln-data --name builder --role Contributor \\
      --scopes /subscriptions/SUB/resourceGroups/images`;

export async function sp(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'create') throw new Error(`unknown command 'kiln sp ${action ?? ''}'\n\n${spHelp}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      scopes: { type: 'string', multiple: true },
      data: { type: 'string' },
      config: { type: 'string' },
      db: { type: 'string' },
      'db-schema': { type: 'string' },
      ...outputOptions,
    },
  });
  if (!values.name) throw new Error(`--name is required\n\n${spHelp}`);
  const scopes = (values.scopes ?? []).flatMap((s) => s.split(/\s+/)).filter((s) => s !== '');
  if (Boolean(values.role) !== scopes.length > 0) throw new Error(`--role and --scopes go together\n\n${spHelp}`);
  const kiln = await openKiln({
    dataDir: values.data ?? defaultDataDir(),
    configFile: values.config,
    db: values.db,
    dbSchema: values['db-schema'],
  });
  try {
    const access = values.role ? { role: values.role, scopes } : undefined;
    printResult(await kiln.createServicePrincipal(values.name, access), values);
  } finally {
    await kiln.close();
  }
}
