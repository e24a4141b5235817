/**
 * User delegation keys and the SAS signed with them, as Azure Storage makes and checks them ("Get
 * User Delegation Key", "Create a user delegation SAS"), so @azure/storage-blob's
 * `getUserDelegationKey` + `generateBlobSASQueryParameters(values, key, accountName)` and the portal
 * sign Kiln blob URLs unchanged. The account name is the region (core/blob-url.ts).
 *
 * Guarantees:
 *  - A key's value is derived, never stored: an HMAC under Kiln's SAS secret of the fields the key is
 *    issued with (principal, tenant, start, expiry, service, version), which every SAS carries
 *    (`skoid`, `sktid`, `skt`, `ske`, `sks`, `skv`). Changing any of them changes the key, so a SAS
 *    verifies only with the fields Kiln issued its key with.
 *  - A SAS verifies only if its signature is the HMAC, under that key, of Azure's string-to-sign for
 *    its version (2020-12-06 and later) and the blob it is used on, and now is inside both its own
 *    window (`st`..`se`) and its key's (`skt`..`ske`).
 *  - What a verified SAS may do is its caller's business: this file says who signed it (`skoid`) and
 *    with what permissions; the blob route also requires that principal's roles at request time.
 *  - Fields that restrict a SAS in ways Kiln does not enforce (an IP range, a delegated or authorized
 *    user, an encryption scope, signed request headers or query) make it refused, never ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatSasTime } from './blob-sas.ts';

/** The only service a Kiln key is for: blobs. */
const SIGNED_SERVICE = 'b';
/** Azure's longest user delegation key: its expiry at most 7 days after the request. */
const MAX_KEY_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** The first version whose string-to-sign Kiln knows; older SDKs sign a shorter one. */
const OLDEST_VERSION = '2020-12-06';
/** Versions that add the delegated user's tenant and object id (`skdutid`, `sduoid`) to the string-to-sign. */
const DELEGATED_USER_VERSION = '2025-07-05';
/** Versions that add signed request headers and query parameters (`srh`, `srq`). */
const SIGNED_REQUEST_VERSION = '2026-04-06';

/** What a key is issued with, as the UserDelegationKey XML names its fields. */
interface DelegationKeyFields {
  signedOid: string;
  signedTid: string;
  signedStart: string;
  signedExpiry: string;
  signedService: string;
  signedVersion: string;
}

export interface UserDelegationKey extends DelegationKeyFields {
  /** The key, base64. */
  value: string;
}

/**
 * The key for `fields`. The label on the first line keeps these HMACs apart from the service SAS
 * signatures made under the same secret (blob-sas.ts), whose first line is a permission string.
 */
function keyBytes(secret: Buffer, fields: DelegationKeyFields): Buffer {
  const { signedOid, signedTid, signedStart, signedExpiry, signedService, signedVersion } = fields;
  const text = [
    'kiln user delegation key',
    signedOid,
    signedTid,
    signedStart,
    signedExpiry,
    signedService,
    signedVersion,
  ];
  return createHmac('sha256', secret).update(text.join('\n'), 'utf8').digest();
}

/** A key for the principal `oid` of tenant `tid`, valid from `start` to `expiry` (checked by keyWindowProblem). */
export function issueUserDelegationKey(
  secret: Buffer,
  principal: { oid: string; tid: string },
  start: Date,
  expiry: Date,
  version: string,
): UserDelegationKey {
  const fields: DelegationKeyFields = {
    signedOid: principal.oid,
    signedTid: principal.tid,
    signedStart: formatSasTime(start),
    signedExpiry: formatSasTime(expiry),
    signedService: SIGNED_SERVICE,
    signedVersion: version,
  };
  return { ...fields, value: keyBytes(secret, fields).toString('base64') };
}

/** Which KeyInfo field Azure would refuse, or undefined: the expiry after now and within 7 days of it, the start before the expiry. */
export function keyWindowProblem(start: Date, expiry: Date, now: Date): 'Start' | 'Expiry' | undefined {
  if (expiry.getTime() <= now.getTime() || expiry.getTime() - now.getTime() > MAX_KEY_LIFETIME_MS) return 'Expiry';
  if (start.getTime() >= expiry.getTime()) return 'Start';
  return undefined;
}

/** The blob a SAS is used on: `/blob/<account>/<container>/<name>` is what it is signed for. */
interface SignedBlob {
  region: string;
  container: string;
  name: string;
}

type DelegationCheck =
  | {
      ok: true;
      /** The key's principal (`skoid`), whose roles decide at request time. */
      principalId: string;
      /** The signed permissions (`sp`), Azure's letters. */
      permissions: string;
      /** Response headers the SAS sets (`rscc`, `rscd`, `rsce`, `rscl`, `rsct`). */
      responseHeaders: Record<string, string>;
    }
  | { ok: false; reason: string };

const RESPONSE_HEADERS: Record<string, string> = {
  rscc: 'Cache-Control',
  rscd: 'Content-Disposition',
  rsce: 'Content-Encoding',
  rscl: 'Content-Language',
  rsct: 'Content-Type',
};

/** Restrictions Kiln does not enforce: a SAS naming one is refused rather than honoured without it. */
const UNSUPPORTED: Record<string, string> = {
  si: 'a stored access policy (si), which a user delegation SAS cannot name',
  sip: 'an IP range (sip)',
  saoid: 'an authorized user (saoid)',
  suoid: 'an unauthorized user (suoid)',
  sduoid: 'a delegated user (sduoid)',
  skdutid: "a delegated user's tenant (skdutid)",
  ses: 'an encryption scope (ses)',
  srh: 'signed request headers (srh)',
  srq: 'signed request query parameters (srq)',
  snapshot: 'a snapshot',
  versionid: 'a version',
};

const REQUIRED = ['sv', 'sr', 'sp', 'se', 'skoid', 'sktid', 'skt', 'ske', 'sks', 'skv', 'sig'] as const;
/** Every field of a SAS Kiln reads: each may appear once. */
const SAS_FIELDS = [...REQUIRED, 'st', 'spr', 'scid', ...Object.keys(UNSUPPORTED), ...Object.keys(RESPONSE_HEADERS)];

/** Azure's string-to-sign of a user delegation SAS of version `sv` (2020-12-06 and later) for `blob`. */
function delegationStringToSign(value: (name: string) => string, blob: SignedBlob): string {
  const sv = value('sv');
  const canonical = `/blob/${blob.region.toLowerCase()}/${blob.container}/${blob.name}`;
  const fields = [
    value('sp'),
    value('st'),
    value('se'),
    canonical,
    value('skoid'),
    value('sktid'),
    value('skt'),
    value('ske'),
    value('sks'),
    value('skv'),
    value('saoid'),
    value('suoid'),
    value('scid'),
    ...(sv >= DELEGATED_USER_VERSION ? [value('skdutid'), value('sduoid')] : []),
    value('sip'),
    value('spr'),
    sv,
    value('sr'),
    // The snapshot time or version id of `bs`/`bv`, which Kiln refuses.
    '',
    value('ses'),
    ...(sv >= SIGNED_REQUEST_VERSION ? [value('srh'), value('srq')] : []),
    ...Object.keys(RESPONSE_HEADERS).map(value),
  ];
  return fields.join('\n');
}

/** A SAS time field (`st`, `se`, `skt`, `ske`), or undefined when it is not ISO 8601 UTC. */
function sasTime(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?Z)?$/.test(text)) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** Whether a URL's query is a user delegation SAS: it names the key's principal (`skoid`). */
export const isUserDelegationSas = (query: URLSearchParams): boolean => query.has('skoid');

/**
 * Checks the user delegation SAS in `query` for `blob`, over a connection that is `secure` (HTTPS)
 * or not, at `now`. Azure's AuthenticationErrorDetail texts say why one is refused.
 */
export function verifyUserDelegationSas(
  secret: Buffer,
  blob: SignedBlob,
  query: URLSearchParams,
  now: Date,
  secure: boolean,
): DelegationCheck {
  const repeated = SAS_FIELDS.filter((name) => query.getAll(name).length > 1);
  if (repeated.length > 0) return { ok: false, reason: `The signature carries ${repeated.join(', ')} more than once.` };
  const value = (name: string) => query.get(name) ?? '';
  const missing = REQUIRED.filter((name) => value(name) === '');
  if (missing.length > 0) return { ok: false, reason: `The signature lacks ${missing.join(', ')}.` };
  const sv = value('sv');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(sv) || sv < OLDEST_VERSION)
    return { ok: false, reason: `Signed version ${sv} is not supported; use ${OLDEST_VERSION} or later.` };
  if (value('sr') !== 'b')
    return { ok: false, reason: `Signed resource ${value('sr')} is not supported; only b (blob) is.` };
  if (value('sks') !== SIGNED_SERVICE) return { ok: false, reason: `Signed key service ${value('sks')} is not b.` };
  const unsupported = Object.keys(UNSUPPORTED).filter((name) => value(name) !== '');
  if (unsupported.length > 0)
    return { ok: false, reason: `Kiln does not support ${unsupported.map((n) => UNSUPPORTED[n]).join(', ')}.` };
  const spr = value('spr');
  if (spr !== '' && spr !== 'https' && spr !== 'https,http')
    return { ok: false, reason: `Signed protocol ${spr} is not https or https,http.` };

  const fields: DelegationKeyFields = {
    signedOid: value('skoid'),
    signedTid: value('sktid'),
    signedStart: value('skt'),
    signedExpiry: value('ske'),
    signedService: value('sks'),
    signedVersion: value('skv'),
  };
  const stringToSign = delegationStringToSign(value, blob);
  const expected = createHmac('sha256', keyBytes(secret, fields)).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(value('sig'), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: `Signature did not match. String to sign used was ${stringToSign}` };
  }

  // Checked after the signature, so times are only reported for a SAS signed with a key Kiln issued.
  if (spr === 'https' && !secure) return { ok: false, reason: 'This request is not authorized to be made over http.' };
  const windowProblem = timeProblem(value, now);
  if (windowProblem !== undefined) return { ok: false, reason: windowProblem };
  const responseHeaders = Object.fromEntries(
    Object.entries(RESPONSE_HEADERS)
      .filter(([name]) => value(name) !== '')
      .map(([name, header]) => [header, value(name)]),
  );
  return { ok: true, principalId: fields.signedOid, permissions: value('sp'), responseHeaders };
}

/** Why now is outside the SAS's window or its key's, or undefined. */
function timeProblem(value: (name: string) => string, now: Date): string | undefined {
  const times = { st: value('st'), se: value('se'), skt: value('skt'), ske: value('ske') };
  const parsed: Record<string, Date> = {};
  for (const [name, text] of Object.entries(times)) {
    if (text === '') continue;
    const time = sasTime(text);
    if (time === undefined) return `The time ${name}=${text} is not in the format yyyy-MM-ddTHH:mm:ssZ.`;
    parsed[name] = time;
  }
  const at = now.toUTCString();
  if (now >= parsed.se) return `Signed expiry time [${parsed.se.toUTCString()}] has to be after current time [${at}]`;
  if (now >= parsed.ske)
    return `Signed key expiry time [${parsed.ske.toUTCString()}] has to be after current time [${at}]`;
  if (parsed.st !== undefined && now < parsed.st)
    return `Signed start time [${parsed.st.toUTCString()}] has to be before current time [${at}]`;
  if (now < parsed.skt)
    return `Signed key start time [${parsed.skt.toUTCString()}] has to be before current time [${at}]`;
  return undefined;
}
