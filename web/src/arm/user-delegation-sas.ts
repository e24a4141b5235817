/**
 * A read-only link to one Kiln blob for whoever holds it, made as Azure's user delegation SAS is: the
 * portal asks this origin's blob service for a user delegation key with the principal's storage token
 * (Get User Delegation Key), then signs the blob's SAS in the browser with WebCrypto's HMAC-SHA256,
 * over the string-to-sign @azure/storage-blob uses for version 2025-01-05. The key is used once and
 * dropped; the server checks the signature and, at every request, that the key's principal still
 * holds a Storage Blob Data read role on the blob (src/core/user-delegation-sas.ts).
 */
import { ArmRequestError } from './errors.ts';

const VERSION = '2025-01-05';
/** Signed a little in the past, so a browser clock behind the server's does not make the key not yet valid. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface SignedBlobUrl {
  url: string;
  expiresOn: Date;
}

/** Azure's SAS time: ISO 8601 UTC to the second. */
const sasTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The blob service's XML answer, as a reader of its elements' text. */
async function xmlOf(response: Response): Promise<(element: string) => string> {
  const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
  return (element) => xml.getElementsByTagName(element)[0]?.textContent ?? '';
}

/** A storage failure's `<Code>` and `<Message>` (its first line: the rest is the request id and time). */
async function storageError(response: Response): Promise<ArmRequestError> {
  const text = await xmlOf(response);
  return new ArmRequestError(response.status, {
    code: text('Code') || `Http${response.status}`,
    message: text('Message').split('\n')[0] || `The blob service answered ${response.status}.`,
  });
}

async function userDelegationKey(region: string, storageToken: string, expiresOn: Date) {
  const keyInfo = `<?xml version="1.0" encoding="utf-8"?><KeyInfo><Start>${sasTime(new Date(Date.now() - CLOCK_SKEW_MS))}</Start><Expiry>${sasTime(expiresOn)}</Expiry></KeyInfo>`;
  const response = await fetch(`/blob/${encodeURIComponent(region)}/?restype=service&comp=userdelegationkey`, {
    method: 'POST',
    headers: { authorization: `Bearer ${storageToken}`, 'x-ms-version': VERSION, 'content-type': 'application/xml' },
    body: keyInfo,
  });
  if (!response.ok) throw await storageError(response);
  const field = await xmlOf(response);
  return {
    skoid: field('SignedOid'),
    sktid: field('SignedTid'),
    skt: field('SignedStart'),
    ske: field('SignedExpiry'),
    sks: field('SignedService'),
    skv: field('SignedVersion'),
    value: field('Value'),
  };
}

async function hmacBase64(keyBase64: string, text: string): Promise<string> {
  const keyBytes = Uint8Array.from(atob(keyBase64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...signature));
}

/**
 * `blobUrl` (https://<kiln>/blob/<region>/<container>/<name>, as a run output's artifactUri) with a
 * read SAS valid for `lifetimeMs`, signed with a key asked for with `storageToken`.
 */
export async function signedReadUrl(blobUrl: string, storageToken: string, lifetimeMs: number): Promise<SignedBlobUrl> {
  const url = new URL(blobUrl);
  const [, blob, region, container, ...name] = url.pathname.split('/').map(decodeURIComponent);
  if (blob !== 'blob' || !region || !container || name.length === 0)
    throw new Error(`${blobUrl} is not a Kiln blob URL (https://<kiln>/blob/<region>/<container>/<blob>).`);
  const expiresOn = new Date(Date.now() + lifetimeMs);
  const key = await userDelegationKey(region, storageToken, expiresOn);
  const fields = { sv: VERSION, sr: 'b', sp: 'r', se: sasTime(expiresOn), ...key };
  // Version 2020-12-06's layout, which holds until 2025-07-05: empty lines are the fields left out
  // (start, authorized and unauthorized user, correlation id, IP, protocol, snapshot, encryption
  // scope, and the five response headers).
  const stringToSign = [
    fields.sp,
    '',
    fields.se,
    `/blob/${region.toLowerCase()}/${container}/${name.join('/')}`,
    key.skoid,
    key.sktid,
    key.skt,
    key.ske,
    key.sks,
    key.skv,
    '',
    '',
    '',
    '',
    '',
    fields.sv,
    fields.sr,
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ].join('\n');
  const { value, ...query } = fields;
  const sig = await hmacBase64(value, stringToSign);
  return { url: `${url.origin}${url.pathname}?${new URLSearchParams({ ...query, sig })}`, expiresOn };
}
