// Makes the CA the test servers share, so test processes can trust it through NODE_EXTRA_CA_CERTS.
// Prints the path of DIR/tls/ca.pem.
//
// Several test runs may start at once on one machine (and share $TMPDIR/kiln-test-ca). The CA is
// made whole in a staging folder and published with one rename of its tls folder, so a run sees no
// CA or a complete one, never one run's certificate beside another's key; the runs that lose the
// race drop theirs and use the winner's. Once published it is never rewritten: running processes
// trust it, and every test server copies it into its own data folder.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTls } from '../src/app/tls.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: test-ca.ts DIR');
if (!existsSync(join(dir, 'tls', 'ca.pem'))) await publishNewCa(dir);
// Checks the published CA against its key (and gives the folder a server certificate, unused by tests).
const tls = await ensureTls(dir);
console.log(tls.caPath);

async function publishNewCa(into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  const staging = await mkdtemp(join(into, '.staging-'));
  try {
    await ensureTls(staging);
    await rename(join(staging, 'tls'), join(into, 'tls')).catch((error: NodeJS.ErrnoException) => {
      // Another run published first: keep its CA.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
