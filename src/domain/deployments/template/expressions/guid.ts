/**
 * ARM's `guid()`: an RFC 4122 §4.3 name-based UUID, version 5 (SHA-1), in the namespace
 * 11fb06fb-712d-4ddd-98c7-e71bbd588830, over the UTF-8 bytes of the arguments joined with '-'
 * (Azure documents the algorithm on the string functions page). Lower-case, 36 characters.
 */
import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('11fb06fb712d4ddd98c7e71bbd588830', 'hex');

export function deterministicGuid(parts: readonly string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('-'), 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
