/**
 * What kind of destination an IP address is, from the IANA special-purpose address registries:
 * the facts a download policy decides on.
 *
 * Invariants: every address the platform can connect to gets exactly one class; an IPv6 address that
 * carries an IPv4 address the network acts on (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) is the class of that IPv4 address, so `[::ffff:127.0.0.1]` is loopback; and
 * anything not known to be globally routable (documentation, benchmarking, IPv6 outside `2000::/3`)
 * is `reserved`, never `public`.
 */
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'private' | 'loopback' | 'linkLocal' | 'reserved' | 'multicast' | 'unspecified';

interface Range {
  bytes: Uint8Array;
  prefix: number;
}
type Rule<T> = [range: Range, what: T];

/** IPv4, first match wins; what matches nothing is public. */
const IPV4_RULES = rules<AddressClass>([
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT: someone's inside network
  ['169.254.0.0/16', 'linkLocal'], // cloud instance metadata lives here
  ['224.0.0.0/4', 'multicast'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['240.0.0.0/4', 'reserved'], // the broadcast address included
]);

/** IPv6, first match wins; what matches nothing is reserved (global unicast is the `2000::/3` rule). */
const IPV6_RULES = rules<AddressClass | 'embedsIPv4'>([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'embedsIPv4'],
  ['64:ff9b::/96', 'embedsIPv4'],
  ['2002::/16', 'embedsIPv4'],
  ['fc00::/7', 'private'],
  ['fec0::/10', 'private'], // the old site-local range
  ['fe80::/10', 'linkLocal'],
  ['ff00::/8', 'multicast'],
  ['2001::/23', 'reserved'], // protocol assignments, Teredo included
  ['2001:db8::/32', 'reserved'],
  ['3fff::/20', 'reserved'],
  ['2000::/3', 'public'],
]);

/** The class of a literal IP address (as DNS answers or a URL spells it; IPv6 with or without brackets or a zone). */
export function addressClass(address: string): AddressClass {
  const bytes = ipBytes(address);
  if (bytes.length === 4) return classify(bytes, IPV4_RULES, 'public');
  const what = classify(bytes, IPV6_RULES, 'reserved');
  if (what !== 'embedsIPv4') return what;
  // 6to4 carries its IPv4 address in bytes 2-5; the others in the last four.
  const start = bytes[0] === 0x20 && bytes[1] === 0x02 ? 2 : 12;
  return classify(bytes.subarray(start, start + 4), IPV4_RULES, 'public');
}

function classify<T>(bytes: Uint8Array, table: Rule<T>[], otherwise: T): T {
  return table.find(([range]) => inRange(bytes, range))?.[1] ?? otherwise;
}

function inRange(bytes: Uint8Array, { bytes: net, prefix }: Range): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
    if ((bytes[bit / 8] & mask) !== (net[bit / 8] & mask)) return false;
  }
  return true;
}

function rules<T>(table: Array<[cidr: string, what: T]>): Rule<T>[] {
  return table.map(([cidr, what]) => {
    const [address, prefix] = cidr.split('/');
    return [{ bytes: ipBytes(address), prefix: Number(prefix) }, what];
  });
}

/** The 4 or 16 bytes of an IP address; anything else throws. */
function ipBytes(text: string): Uint8Array {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 4) return Uint8Array.from(address.split('.').map(Number));
  if (version !== 6) throw new Error(`'${text}' is not an IP address.`);
  // A trailing dotted quad (`::ffff:1.2.3.4`) is the last two groups.
  const groups = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a, b, c, d) => `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`,
  );
  const [head, tail] = groups.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const all =
    tail === undefined ? front : [...front, ...new Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}
