/**
 * Where a build's downloads (`scriptUri`, `sourceUri`) may go: the operator's `build.downloads` in
 * config.json. Downloads run on the host, outside the customizer sandbox, so without a policy a
 * template author could make Kiln fetch from the host's loopback, the local network or a cloud's
 * instance metadata service, and read the answer in the image or the log.
 *
 * Invariants: a destination is decided on the addresses its host name resolved to (the caller then
 * connects to the very address that was allowed, so a second DNS answer cannot change it); by default
 * only public addresses are allowed; unspecified and multicast addresses never are; every refusal
 * names the settings that would allow it.
 */
import { addressClass, type AddressClass } from '../core/address-class.ts';

/** Address classes an operator may allow wholesale; `reserved` needs a host entry, the others never. */
const ALLOWABLE = ['public', 'private', 'loopback', 'linkLocal'] as const;
type AllowableClass = (typeof ALLOWABLE)[number];
const NEVER: AddressClass[] = ['unspecified', 'multicast'];

/** `build.downloads` as config.json spells it; every field is optional. */
export interface DownloadsConfig {
  /** Address classes downloads may reach: `public` (default), `private`, `loopback`, `linkLocal`. */
  allowAddresses?: string[];
  /** Hosts downloads may reach whatever their addresses: `name`, `name:port`, `10.0.0.5:8080`, `[fd00::1]:80`. */
  allowHosts?: string[];
  /** Largest download, in MiB (default 1024). */
  maxMiB?: number;
  /** Longest download, redirects included, in seconds (default 600). */
  timeoutSeconds?: number;
}

interface HostEntry {
  hostname: string;
  /** Undefined: any port. */
  port?: string;
}

export interface DownloadPolicy {
  allowAddresses: ReadonlySet<AllowableClass>;
  allowHosts: readonly HostEntry[];
  maxBytes: number;
  timeoutMs: number;
}

export const DEFAULT_DOWNLOADS = { allowAddresses: ['public'], maxMiB: 1024, timeoutSeconds: 600 } as const;

/** The policy `build.downloads` describes; a bad field throws, naming it. */
export function downloadPolicy(config: DownloadsConfig = {}): DownloadPolicy {
  const field = (name: string) => `config.json: build.downloads.${name}`;
  const allowAddresses = config.allowAddresses ?? DEFAULT_DOWNLOADS.allowAddresses;
  if (!Array.isArray(allowAddresses))
    throw new Error(`${field('allowAddresses')} must be a list of address classes (${ALLOWABLE.join(', ')}).`);
  for (const value of allowAddresses) {
    if (!(ALLOWABLE as readonly string[]).includes(value)) {
      throw new Error(
        `${field('allowAddresses')} has '${String(value)}'; the address classes are ${ALLOWABLE.join(', ')}.`,
      );
    }
  }
  const allowHosts = config.allowHosts ?? [];
  if (!Array.isArray(allowHosts))
    throw new Error(`${field('allowHosts')} must be a list of hosts ("name" or "name:port").`);
  return {
    allowAddresses: new Set(allowAddresses as AllowableClass[]),
    allowHosts: allowHosts.map((entry) => hostEntry(entry, field('allowHosts'))),
    maxBytes: positive(config.maxMiB ?? DEFAULT_DOWNLOADS.maxMiB, field('maxMiB')) * 1024 * 1024,
    timeoutMs: positive(config.timeoutSeconds ?? DEFAULT_DOWNLOADS.timeoutSeconds, field('timeoutSeconds')) * 1000,
  };
}

/** A resolved address, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * The address to connect to for `url`, given what its host resolved to: the first one the policy
 * allows. Otherwise the reason, naming the settings that would allow it.
 */
export function allowedAddress(
  policy: DownloadPolicy,
  url: URL,
  addresses: ResolvedAddress[],
): { address: ResolvedAddress } | { refused: string } {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hostAllowed = policy.allowHosts.some(
    (entry) => entry.hostname === url.hostname && (entry.port === undefined || entry.port === port),
  );
  const classes = addresses.map((address) => addressClass(address.address));
  const allowed = addresses.find(
    (_, i) => !NEVER.includes(classes[i]) && (hostAllowed || policy.allowAddresses.has(classes[i] as AllowableClass)),
  );
  if (allowed) return { address: allowed };
  if (addresses.length === 0) return { refused: `${url.hostname} has no address` };
  const kinds = [...new Set(classes)];
  const resolved = isLiteral(url.hostname)
    ? `is ${article(kinds[0])} ${kinds[0]} address`
    : `resolves to ${addresses.map((a) => a.address).join(', ')} (${kinds.join(', ')})`;
  if (kinds.every((kind) => NEVER.includes(kind)))
    return { refused: `${url.host} ${resolved}, which downloads can never reach` };
  const classesToAllow = kinds
    .filter((kind) => (ALLOWABLE as readonly string[]).includes(kind))
    .map((kind) => `"${kind}"`);
  const widen =
    classesToAllow.length > 0 ? `, or ${classesToAllow.join(' or ')} to build.downloads.allowAddresses,` : '';
  return {
    refused:
      `${url.host} ${resolved}, which downloads may not reach. ` +
      `If that host is trusted, add "${url.hostname}:${port}" to build.downloads.allowHosts${widen} in config.json and restart Kiln`,
  };
}

function hostEntry(entry: unknown, field: string): HostEntry {
  let url: URL | undefined;
  try {
    url = typeof entry === 'string' && !entry.includes('/') ? new URL(`http://${entry}`) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.username !== '' || url.password !== '')
    throw new Error(`${field} has '${String(entry)}'; an entry is a host name or address, with an optional :port.`);
  // The URL parser spells the host as download URLs are spelled (lower case, IPv4 numbers as dotted quads).
  return { hostname: url.hostname, port: /:\d+$/.test(entry as string) ? url.port || '80' : undefined };
}

function positive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new Error(`${field} must be a positive number, not ${JSON.stringify(value)}.`);
  return value;
}

const isLiteral = (hostname: string) => hostname.startsWith('[') || /^[\d.]+$/.test(hostname);
const article = (what: string) => (/^[aeiou]/i.test(what) ? 'an' : 'a');
