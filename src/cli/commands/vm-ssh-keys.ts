/**
 * The SSH public keys `kiln vm create` puts on a VM, found as az finds them (azure-cli's
 * validate_ssh_key): each `--ssh-key-values` value is a public key file or the key itself; without
 * any, ~/.ssh/id_rsa.pub (~/.ssh/id_ed25519.pub with `--ssh-key-type Ed25519`). With
 * `--generate-ssh-keys` a missing key file is made, with its private key beside it (the `.pub` name
 * without `.pub`), as az makes them: RSA 2048 in PEM (paramiko's format), or Ed25519 in OpenSSH's own
 * format; Node's crypto makes them, so no ssh-keygen is needed. A private key already there is never
 * overwritten. `~` is $HOME, as az's expanduser reads it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Args } from '../arm/args.ts';

type SshKeyType = 'RSA' | 'Ed25519';

export const SSH_KEY_TYPES: readonly SshKeyType[] = ['RSA', 'Ed25519'];

const NO_KEY =
  'An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you';

/** The public keys to install; `warn` prints az's notes (keys made, a value ignored). */
export async function sshPublicKeys(args: Args, warn: (text: string) => void): Promise<string[]> {
  const type = (args.string('ssh-key-type') ?? 'RSA') as SshKeyType;
  const values = args.list('ssh-key-values') ?? [];
  let generate = args.bool('generate-ssh-keys') === true;
  if (generate && values.length > 1) {
    warn('Ignoring --generate-ssh-keys as multiple ssh key values have been specified.');
    generate = false;
  }
  const defaultFile = join(homedir(), '.ssh', type === 'RSA' ? 'id_rsa.pub' : 'id_ed25519.pub');
  const keys: string[] = [];
  for (const value of values.length > 0 ? values : [defaultFile]) {
    if (existsSync(value)) keys.push((await readFile(value, 'utf8')).trim());
    else if (isPublicKey(value)) keys.push(value.trim());
    else if (generate) keys.push(await generateKeyFiles(value, type, warn));
    else throw new Error(NO_KEY);
  }
  return keys;
}

/** az's "good enough" check: a type, then base64 whose first field names that same type. */
function isPublicKey(text: string): boolean {
  const [type, data] = text.trim().split(/\s+/);
  if (!type || !data) return false;
  const blob = Buffer.from(data, 'base64');
  return blob.length > 4 && blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') === type;
}

async function generateKeyFiles(publicFile: string, type: SshKeyType, warn: (text: string) => void) {
  const privateFile = publicFile.toLowerCase().endsWith('.pub') ? publicFile.slice(0, -4) : `${publicFile}.private`;
  if (existsSync(privateFile))
    throw new Error(
      `Private SSH key file '${privateFile}' exists but its public key file '${publicFile}' does not; make it with 'ssh-keygen -y -f ${privateFile} > ${publicFile}', or pass --ssh-key-values.`,
    );
  const keys = type === 'RSA' ? rsaKeyPair() : ed25519KeyPair();
  const folder = dirname(privateFile);
  if (!existsSync(folder)) await mkdir(folder, { recursive: true, mode: 0o700 });
  await writeFile(privateFile, keys.privateKey, { mode: 0o600, flag: 'wx' });
  await writeFile(publicFile, keys.publicKey, { mode: 0o644 });
  warn(
    `SSH key files '${privateFile}' and '${publicFile}' have been generated under ~/.ssh to allow SSH access to the VM. If using machines without permanent storage, back up your keys to a safe location.`,
  );
  return keys.publicKey;
}

/** An SSH wire-format string: its length, then its bytes. */
const sshString = (data: Buffer | string) => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An SSH mpint from big-endian magnitude bytes: no leading zeros, one added when the top bit is set. */
const mpint = (magnitude: Buffer) => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), trimmed]) : trimmed);
};

function rsaKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString('ssh-rsa'),
    mpint(Buffer.from(e!, 'base64url')),
    mpint(Buffer.from(n!, 'base64url')),
  ]);
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicKey: `ssh-rsa ${blob.toString('base64')}`,
  };
}

/** OpenSSH's `openssh-key-v1` private key, unencrypted, as `ssh-keygen -t ed25519 -N ''` writes it. */
function ed25519KeyPair() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d, x } = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(d!, 'base64url');
  const pub = Buffer.from(x!, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(''),
  ]);
  // Padded to the cipher's block size (8 for "none") with 1, 2, 3, ...
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicBlob),
    sshString(Buffer.concat([secret, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return {
    privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')}`,
  };
}
