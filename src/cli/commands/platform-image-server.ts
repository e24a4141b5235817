/**
 * `kiln platform-image import|list|delete --server URL`: the catalog of a running server, through its
 * Microsoft.Compute.Admin PlatformImages API, signed in as `kiln login` left it (the URL must be the
 * server logged in to, so a script says which catalog it changes). An import uploads the file as a
 * blob of the location's region (a user blob, with the principal's storage token, as
 * `az storage blob upload` does), puts the version naming it, follows it until it is Succeeded or
 * Failed, and deletes the upload whatever the outcome: the catalog keeps its own checked copy.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ArmError } from '../../core/arm-error.ts';
import { formatBlobUrl } from '../../core/blob-url.ts';
import { openSession, type Session } from '../arm/session.ts';
import { storageToken } from '../arm/profile.ts';

const API_VERSION = '2015-12-01-preview';
const MIB = 1024 * 1024;
/** Put Blob's limits on the server: a block blob up to 5000 MiB, a page blob (whole 512-byte pages) beyond. */
const BLOCK_BLOB_LIMIT = 5000 * MIB;
/** Where uploads wait for their import. */
const UPLOADS = 'platform-image-uploads';
const POLL_MS = 500;

export interface ServerTarget {
  server: string;
  subscription?: string;
  location?: string;
}

export interface ImageName {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

/** A catalog entry as the offline `list` prints one, with how its import went. */
interface Entry extends ImageName {
  hyperVGeneration: string;
  provisioningState: string;
  uri?: string;
  error?: string;
}

interface AdminImage {
  id: string;
  properties: {
    osDisk?: { uri?: string };
    provisioningState: string;
    hyperVGeneration: string;
    provisioningError?: { provisioningErrorCode: string; message: string };
  };
}

/** The session `kiln login` left, for the server `target` names; its location, the subscription's first unless told. */
async function connect(target: ServerTarget): Promise<{ session: Session; base: string; location: string }> {
  const session = await openSession(target.subscription);
  const wanted = new URL(target.server).origin;
  if (new URL(session.profile.server).origin !== wanted)
    throw new Error(
      `--server ${target.server} is not the server 'kiln login' signed in to (${session.profile.server}): run 'kiln login --server ${target.server} ...' first.`,
    );
  const location = target.location ?? (await firstLocation(session));
  return {
    session,
    location,
    base: `/subscriptions/${session.subscription}/providers/Microsoft.Compute.Admin/locations/${encodeURIComponent(location)}/artifactTypes/platformImage`,
  };
}

async function firstLocation(session: Session): Promise<string> {
  const listed = (await session.client.list(`/subscriptions/${session.subscription}/locations`, '2022-12-01')) as {
    name: string;
  }[];
  if (listed.length === 0) throw new Error('The server lists no location; pass --location.');
  return listed[0].name;
}

const versionPath = (base: string, name: ImageName) =>
  `${base}/publishers/${encodeURIComponent(name.publisher)}/offers/${encodeURIComponent(name.offer)}/skus/${encodeURIComponent(name.sku)}/versions/${encodeURIComponent(name.version)}`;

/** An admin image as a flat entry; its names are in its id. */
function entryOf(image: AdminImage): Entry {
  const segments = image.id.split('/');
  const after = (name: string) => decodeURIComponent(segments[segments.findIndex((s) => s.toLowerCase() === name) + 1]);
  const { properties } = image;
  return {
    publisher: after('publishers'),
    offer: after('offers'),
    sku: after('skus'),
    version: after('versions'),
    hyperVGeneration: properties.hyperVGeneration,
    provisioningState: properties.provisioningState,
    ...(properties.osDisk?.uri ? { uri: properties.osDisk.uri } : {}),
    ...(properties.provisioningError ? { error: properties.provisioningError.message } : {}),
  };
}

export async function listOnServer(target: ServerTarget): Promise<Entry[]> {
  const { session, base } = await connect(target);
  try {
    return ((await session.client.get(base, API_VERSION)) as AdminImage[]).map(entryOf);
  } finally {
    session.http.close();
  }
}

/** True when the version was there. */
export async function deleteOnServer(target: ServerTarget, name: ImageName): Promise<boolean> {
  const { session, base } = await connect(target);
  try {
    return (await session.client.send('DELETE', versionPath(base, name), { apiVersion: API_VERSION })).status === 200;
  } finally {
    session.http.close();
  }
}

export async function importOnServer(
  target: ServerTarget,
  name: ImageName,
  file: string,
  hyperVGeneration: string | undefined,
): Promise<Entry> {
  const { session, base, location } = await connect(target);
  try {
    const size = (await stat(file)).size;
    const blob = formatBlobUrl(
      session.profile.server,
      location,
      `${UPLOADS}/${randomUUID()}-${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}`,
    );
    process.stderr.write(`Uploading ${file} (${Math.ceil(size / MIB)} MiB) to ${blob} ...\n`);
    await upload(session, blob, file, size);
    try {
      const path = versionPath(base, name);
      const properties = { osDisk: { osType: 'Linux', uri: blob }, ...(hyperVGeneration ? { hyperVGeneration } : {}) };
      let image = (await session.client.send('PUT', path, { apiVersion: API_VERSION, body: { properties } }))
        .body as AdminImage;
      process.stderr.write(`Importing ${Object.values(name).join(':')}: the server checks the disk ...\n`);
      while (image.properties.provisioningState === 'Creating') {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        image = (await session.client.get(path, API_VERSION)) as AdminImage;
      }
      const error = image.properties.provisioningError;
      if (error) throw new ArmError(400, error.provisioningErrorCode, error.message);
      return entryOf(image);
    } finally {
      await removeUpload(session, blob);
    }
  } finally {
    session.http.close();
  }
}

async function storageHeaders(session: Session): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${(await storageToken(session.http, session.profile)).accessToken}`,
    'x-ms-version': '2025-01-05',
  };
}

async function upload(session: Session, url: string, file: string, size: number): Promise<void> {
  if (size > BLOCK_BLOB_LIMIT && size % 512 !== 0)
    throw new Error(
      `${file} is larger than ${BLOCK_BLOB_LIMIT / MIB} MiB and not a whole number of 512-byte sectors, so it cannot be uploaded in one Put Blob: convert it (qemu-img convert -O qcow2) first.`,
    );
  const response = await session.http.send(url, {
    method: 'PUT',
    headers: {
      ...(await storageHeaders(session)),
      'x-ms-blob-type': size > BLOCK_BLOB_LIMIT ? 'PageBlob' : 'BlockBlob',
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    },
    body: createReadStream(file),
  });
  if (response.status !== 201)
    throw new Error(`Uploading ${file} to ${url} failed: ${response.status} ${response.text.slice(0, 500)}`);
}

async function removeUpload(session: Session, url: string): Promise<void> {
  const response = await session.http.send(url, { method: 'DELETE', headers: await storageHeaders(session) });
  if (response.status !== 202 && response.status !== 404)
    process.stderr.write(`Could not delete the upload ${url} (${response.status}); delete it yourself.\n`);
}
