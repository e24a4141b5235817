// Makes the CA the test servers share, so test processes can trust it through NODE_EXTRA_CA_CERTS.
import { ensureTls } from '../src/app/tls.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: test-ca.ts DIR');
const tls = await ensureTls(dir);
console.log(tls.caPath);
