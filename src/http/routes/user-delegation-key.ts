/**
 * Get User Delegation Key (`POST /blob/<region>/?restype=service&comp=userdelegationkey`), as Azure
 * Storage answers it: only a bearer token for https://storage.azure.com may ask, and its principal
 * needs `.../blobServices/generateUserDelegationKey/action` at the region's account or above (every
 * Storage Blob Data role holds it). The KeyInfo body names the key's start (optional, now if left
 * out) and expiry (after now, at most 7 days ahead); the answer is the UserDelegationKey XML with
 * the caller's object id and tenant. The key is derived from Kiln's SAS secret and those fields
 * (core/user-delegation-sas.ts) and kept nowhere.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { issueUserDelegationKey, keyWindowProblem, type UserDelegationKey } from '../../core/user-delegation-sas.ts';
import { USER_DELEGATION_KEY_ACTION } from '../../domain/storage/blob-scope.ts';
import type { RegionStores } from '../../ports/blob-store.ts';
import { identifyCaller, requirePermission, type CallerDeps } from './blob-caller.ts';
import { requestText } from './request-text.ts';
import { StorageError, authenticationFailed, invalidQueryValue, resourceNotFound, xmlEscape } from './storage-error.ts';

/** A KeyInfo is three short elements; more is not a KeyInfo. */
const BODY_LIMIT = 4 * 1024;
const KEY_INFO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?Z$/;

const invalidXmlNode = (name: string, value: string) =>
  new StorageError(400, 'InvalidXmlNodeValue', 'The value for one of the XML nodes is not in the correct format.', {
    XmlNodeName: name,
    XmlNodeValue: value,
  });

/** The text of `<name>` in the KeyInfo, or undefined when it is absent. */
function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1].trim();
}

function keyInfoTime(xml: string, name: 'Start' | 'Expiry'): Date | undefined {
  const text = element(xml, name);
  if (text === undefined) return undefined;
  if (!KEY_INFO_TIME.test(text) || Number.isNaN(new Date(text).getTime())) throw invalidXmlNode(name, text);
  return new Date(text);
}

function keyXml(key: UserDelegationKey): string {
  const fields: Array<[string, string]> = [
    ['SignedOid', key.signedOid],
    ['SignedTid', key.signedTid],
    ['SignedStart', key.signedStart],
    ['SignedExpiry', key.signedExpiry],
    ['SignedService', key.signedService],
    ['SignedVersion', key.signedVersion],
    ['Value', key.value],
  ];
  const body = fields.map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><UserDelegationKey>${body}</UserDelegationKey>`;
}

/** A request on a region's account (blob-request.ts: parseAccountRequest). */
export async function accountRequest(
  deps: CallerDeps & { regions: RegionStores },
  request: FastifyRequest,
  reply: FastifyReply,
  region: string,
  query: URLSearchParams,
) {
  if (query.get('restype') !== 'service') throw invalidQueryValue('restype', query.get('restype') ?? '');
  if (query.get('comp') !== 'userdelegationkey') throw invalidQueryValue('comp', query.get('comp') ?? '');
  if (deps.regions.get(region) === undefined) throw resourceNotFound();
  if (query.has('sig')) throw authenticationFailed('Get User Delegation Key takes a bearer token, not a SAS.');
  const caller = await identifyCaller(deps, request, query);
  await requirePermission(deps, caller, { action: USER_DELEGATION_KEY_ACTION }, region, undefined);
  if (caller.kind !== 'bearer') throw authenticationFailed('Get User Delegation Key takes a bearer token.');

  const xml = await requestText(request, BODY_LIMIT, 'GetUserDelegationKey');
  if (!/<KeyInfo>[\s\S]*<\/KeyInfo>/.test(xml))
    throw new StorageError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.');
  const now = deps.clock.now();
  const expiry = keyInfoTime(xml, 'Expiry');
  if (expiry === undefined)
    throw new StorageError(
      400,
      'MissingRequiredXmlNode',
      "An XML node that's mandatory for this request is not specified.",
      {
        XmlNodeName: 'Expiry',
      },
    );
  const start = keyInfoTime(xml, 'Start') ?? now;
  const problem = keyWindowProblem(start, expiry, now);
  if (problem !== undefined) throw invalidXmlNode(problem, element(xml, problem) ?? '');

  const version = String(reply.getHeader('x-ms-version'));
  const key = issueUserDelegationKey(
    deps.sasSecret,
    { oid: caller.principalId, tid: caller.tenantId },
    start,
    expiry,
    version,
  );
  return reply.code(200).type('application/xml').send(keyXml(key));
}
