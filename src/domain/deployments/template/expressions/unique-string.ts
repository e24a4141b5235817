/**
 * ARM's `uniqueString()`: the arguments joined with '-', hashed with the 64-bit MurmurHash variant of
 * Azure's deployment engine (two interleaved 32-bit Murmur3 lanes over the UTF-8 bytes, 8 bytes a round,
 * seed 0), and the top 65 bits written as 13 characters of base32 (`a-z2-7`), most significant first.
 * The hash is byte-exact with Azure: the tests check it against values Azure printed.
 */

const C1 = 0x239b961b; // 597399067
const C2 = 0xab0e9789; // 2869860233
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;

/** Little-endian 32-bit word of up to 4 bytes starting at `at` (fewer when the data ends). */
function word(data: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value |= data[at + i] << (8 * i);
  return value >>> 0;
}

function fmix(h: number): number {
  h = mul(h ^ (h >>> 16), 0x85ebca6b);
  h = mul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The engine's 64-bit hash of `text`, as a bigint. */
export function murmurHash64(text: string): bigint {
  const data = new TextEncoder().encode(text);
  const length = data.length;
  let h1 = 0;
  let h2 = 0;
  let i = 0;
  for (; i + 7 < length; i += 8) {
    const k1 = mul(rotl(mul(word(data, i, 4), C1), 15), C2);
    h1 = (mul((rotl(h1 ^ k1, 19) + h2) >>> 0, 5) + 0x561ccd1b) >>> 0;
    const k2 = mul(rotl(mul(word(data, i + 4, 4), C2), 17), C1);
    h2 = (mul((rotl(h2 ^ k2, 13) + h1) >>> 0, 5) + 0x0bcaa747) >>> 0;
  }
  const rest = length - i;
  if (rest > 0) {
    h1 = (h1 ^ mul(rotl(mul(word(data, i, Math.min(rest, 4)), C1), 15), C2)) >>> 0;
    if (rest > 4) h2 = (h2 ^ mul(rotl(mul(word(data, i + 4, rest - 4), C2), 17), C1)) >>> 0;
  }
  h1 = (h1 ^ length) >>> 0;
  h2 = (h2 ^ length) >>> 0;
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  return (BigInt(h2) << 32n) | BigInt(h1);
}

/** `uniqueString(...parts)`: 13 lowercase base32 characters. */
export function uniqueString(parts: readonly string[]): string {
  let hash = murmurHash64(parts.join('-'));
  let out = '';
  for (let i = 0; i < 13; i++) {
    out += ALPHABET[Number(hash >> 59n)];
    hash = (hash << 5n) & 0xffffffffffffffffn;
  }
  return out;
}
