import { parseArgs } from 'node:util';
import { openKiln } from '../../app/kiln.ts';
import { defaultDataDir } from '../data-dir.ts';
import { outputOptions, printResult } from '../local-output.ts';

export const keysHelp = `Usage: kiln keys rotate [--data DIR] [--config FILE] [--db URL] [--db-schema S] [-o FORMAT] [--query Q]

Rotates the key Kiln signs access tokens with. The keys live in the metadata store, so every
'kiln serve' on it (several nodes on one PostgreSQL) signs with the new key within a minute,
without a restart. Tokens signed with the replaced key stay valid until they expire; the key is
dropped at a later rotation, once no token it signed can still be valid. Prints the new key's
kid, the kids it retired and the kids it dropped.

Examples:
  kiln keys rotate --data ./kiln-data
  kiln keys rotate --db postgres://kiln@db.example/kiln --db-schema kiln`;

export async function keys(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'rotate') throw new Error(`unknown command 'kiln keys ${action ?? ''}'\n\n${keysHelp}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' },
      config: { type: 'string' },
      db: { type: 'string' },
      'db-schema': { type: 'string' },
      ...outputOptions,
    },
  });
  const kiln = await openKiln({
    dataDir: values.data ?? defaultDataDir(),
    db: values.db,
    dbSchema: values['db-schema'],
  });
  try {
    printResult(await kiln.rotateSigningKey(), values);
  } finally {
    await kiln.close();
  }
}
