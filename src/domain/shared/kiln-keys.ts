/**
 * Kiln's own secrets (the token signing keys, the blob SAS key) and the tenant a store belongs to,
 * kept as records in the metadata store so every process on one store uses the same ones and no
 * key file is copied between nodes.
 * Whoever can read the store could read them, as they could already read every principal and role
 * assignment: the store is the root of trust (SECURITY.md).
 */
import { ExpectationFailedError, type MetadataStore, type NewRecord } from '../../ports/metadata-store.ts';

const KEYS_KIND = 'kiln/keys';

export const keyRecordKey = (name: string) => `/kiln/keys/${name}`;

export function keyRecord<T>(name: string, data: T): NewRecord<T> {
  return { key: keyRecordKey(name), kind: KEYS_KIND, subscription: '', resourceGroup: null, parent: null, data };
}

/** The key record `name`, made from `make()` when there is none; processes racing to make it all get the winner's. */
export async function readOrCreateKey<T>(store: MetadataStore, name: string, make: () => Promise<T>): Promise<T> {
  const existing = await store.get<T>(keyRecordKey(name));
  if (existing) return existing.data;
  const made = await make();
  try {
    await store.apply([{ op: 'put', record: keyRecord(name, made), expect: { absent: true } }]);
    return made;
  } catch (error) {
    if (!(error instanceof ExpectationFailedError)) throw error;
    return (await store.get<T>(keyRecordKey(name)))!.data;
  }
}
