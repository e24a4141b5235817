/**
 * Shared access signatures for Kiln blob URLs, in the query shape of an Azure service SAS
 * (`sv`, `sr=b`, `sp`, `se`, `sig`) so Azure tools that inspect a SAS (azcopy warns on expiry) read
 * ours. The signature is an HMAC-SHA256, under a server secret, of the fields and the blob they grant.
 *
 * A write grant (`rw`) is always for the staging blob of `key`: sealed blobs are immutable, and random
 * page writes are how disks are uploaded. A read grant (`r`) is for the sealed blob.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type BlobPermissions = 'r' | 'rw';

export interface BlobAccessGrant {
  region: string;
  key: string;
  permissions: BlobPermissions;
  expiresOn: Date;
  /**
   * Signed identifier (`si`, as Azure names a stored access policy): names the stored grant this SAS
   * belongs to, so deleting the grant revokes the SAS before it expires.
   */
  identifier: string;
}

export type BlobAccessCheck =
  { ok: true; permissions: BlobPermissions; staging: boolean; identifier: string } | { ok: false; reason: string };

const SIGNED_VERSION = '2022-11-02';

/** Azure's SAS time format (`se`, `st`, a user delegation key's times): ISO 8601 UTC to the second. */
export const formatSasTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function signature(
  secret: Buffer,
  fields: { sv: string; sr: string; sp: string; se: string; si: string },
  region: string,
  key: string,
): Buffer {
  const stringToSign = [
    fields.sp,
    fields.se,
    fields.sr,
    fields.sv,
    fields.si,
    `/blob/${region.toLowerCase()}/${key}`,
  ].join('\n');
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest();
}

/** The SAS query string (without `?`) to append to the blob's URL. */
export function signBlobAccess(secret: Buffer, grant: BlobAccessGrant): string {
  const fields = {
    sv: SIGNED_VERSION,
    sr: 'b',
    sp: grant.permissions,
    se: formatSasTime(grant.expiresOn),
    si: grant.identifier,
  };
  const sig = signature(secret, fields, grant.region, grant.key).toString('base64');
  return new URLSearchParams({ ...fields, sig }).toString();
}

export function verifyBlobAccess(
  secret: Buffer,
  region: string,
  key: string,
  query: URLSearchParams | string,
  now: Date,
): BlobAccessCheck {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const single = (name: string): string | undefined => {
    const values = params.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const [sv, sr, sp, se, si, sig] = ['sv', 'sr', 'sp', 'se', 'si', 'sig'].map(single);
  if (
    sv === undefined ||
    sr === undefined ||
    sp === undefined ||
    se === undefined ||
    si === undefined ||
    sig === undefined
  ) {
    return { ok: false, reason: 'The signature must carry exactly one each of sv, sr, sp, se, si and sig.' };
  }
  if (sv !== SIGNED_VERSION) return { ok: false, reason: `Signed version ${sv} is not supported.` };
  if (sr !== 'b') return { ok: false, reason: `Signed resource ${sr} is not supported; only b (blob) is.` };
  if (sp !== 'r' && sp !== 'rw')
    return { ok: false, reason: `Signed permissions ${sp} are not supported; use r or rw.` };
  const expiry = new Date(se);
  if (Number.isNaN(expiry.getTime()) || formatSasTime(expiry) !== se) {
    return { ok: false, reason: `Signed expiry time ${se} is not in the format yyyy-MM-ddTHH:mm:ssZ.` };
  }
  const expected = signature(secret, { sv, sr, sp, se, si }, region, key);
  const given = Buffer.from(sig, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'Signature did not match.' };
  }
  // Checked after the signature so an expiry is only reported for a signature Kiln issued.
  if (now.getTime() >= expiry.getTime()) {
    return {
      ok: false,
      reason: `Signed expiry time [${expiry.toUTCString()}] has to be after current time [${now.toUTCString()}]`,
    };
  }
  return { ok: true, permissions: sp, staging: sp === 'rw', identifier: si };
}
