/**
 * Keys an older Kiln kept in its data folder (`keys/token-signing.pem`, `keys/blob-sas.key`). Kiln
 * now keeps its keys in the metadata store (domain/shared/kiln-keys.ts); the first start on a store
 * without keys takes these files' keys, so tokens and SAS URLs issued before the upgrade stay valid.
 * The files are read, never written.
 */
import { join } from 'node:path';
import { readIfPresent } from './read-if-present.ts';

/** The PEM of an older Kiln's token signing key, if its data folder has one. */
export const legacySigningKey = (dataDir: string) => readIfPresent(join(dataDir, 'keys', 'token-signing.pem'));

/** An older Kiln's blob SAS key, if its data folder has one. */
export async function legacySasSecret(dataDir: string): Promise<Buffer | undefined> {
  const text = await readIfPresent(join(dataDir, 'keys', 'blob-sas.key'));
  return text === undefined ? undefined : Buffer.from(text.trim(), 'base64');
}
