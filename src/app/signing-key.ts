/**
 * The RSA key Kiln signs access tokens with. It lives in the data directory so tokens stay valid
 * across restarts; its `kid` is the RFC 7638 thumbprint of the public key, so it is stable without
 * being stored anywhere and changes exactly when the key does.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SigningKey } from '../domain/identity/local-token-authority.ts';
import { writeFileAtomic } from './atomic-file.ts';

const generateRsaKeyPair = promisify(generateKeyPair);

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'token-signing.pem');
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, pem, 0o600);
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error(`${path} does not hold an RSA private key`);
  const publicKey = createPublicKey(privateKey);
  return { kid: rsaThumbprint(publicKey), privateKey, publicKey };
}

function rsaThumbprint(publicKey: KeyObject): string {
  const { e, n } = publicKey.export({ format: 'jwk' });
  // RFC 7638: required members only, in lexicographic order, no whitespace.
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
