/**
 * The 512-byte footer of a fixed VHD (Microsoft "Virtual Hard Disk Image Format Specification"):
 * a fixed VHD is the raw disk bytes followed by this footer, which is what Azure takes for disks.
 * All fields are big-endian.
 */
import { randomBytes } from 'node:crypto';

export const VHD_FOOTER_SIZE = 512;

const COOKIE = 'conectix';
const FEATURES_RESERVED = 0x00000002;
const FORMAT_VERSION = 0x00010000;
const FIXED_DATA_OFFSET = 0xffffffffffffffffn;
const CREATOR_APPLICATION = 'kiln';
const CREATOR_VERSION = 0x00010000;
/** What Windows and qemu write; Azure's tooling expects a Windows host. */
const CREATOR_HOST_OS = 'Wi2k';
export const DISK_TYPE_FIXED = 2;
/** VHD timestamps count seconds from 2000-01-01T00:00:00Z. */
const VHD_EPOCH_MS = Date.UTC(2000, 0, 1);

const OFFSET = {
  cookie: 0,
  features: 8,
  formatVersion: 12,
  dataOffset: 16,
  timestamp: 24,
  creatorApplication: 28,
  creatorVersion: 32,
  creatorHostOs: 36,
  originalSize: 40,
  currentSize: 48,
  cylinders: 56,
  heads: 58,
  sectorsPerTrack: 59,
  diskType: 60,
  checksum: 64,
  uniqueId: 68,
  savedState: 84,
} as const;

export interface VhdGeometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

export interface VhdFooter {
  features: number;
  formatVersion: number;
  dataOffset: bigint;
  timestamp: Date;
  creatorApplication: string;
  creatorVersion: number;
  creatorHostOs: string;
  originalSize: number;
  currentSize: number;
  geometry: VhdGeometry;
  diskType: number;
  checksum: number;
  /** Hex. */
  uniqueId: string;
  savedState: number;
}

/** The spec's CHS algorithm (appendix "CHS Calculation"), integer arithmetic throughout. */
export function vhdGeometry(dataSize: number): VhdGeometry {
  let totalSectors = Math.floor(dataSize / 512);
  totalSectors = Math.min(totalSectors, 65535 * 16 * 255);
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}

/** One's complement of the byte sum of the footer, its checksum field counted as zero. */
function footerChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_SIZE; i++) {
    if (i < OFFSET.checksum || i >= OFFSET.checksum + 4) sum += footer[i];
  }
  return ~sum >>> 0;
}

export function createFixedVhdFooter(dataSize: number): Buffer {
  if (!Number.isSafeInteger(dataSize) || dataSize < 0 || dataSize % 512 !== 0) {
    throw new RangeError(`A fixed VHD holds whole 512-byte sectors; ${dataSize} bytes is not a multiple of 512.`);
  }
  const footer = Buffer.alloc(VHD_FOOTER_SIZE);
  footer.write(COOKIE, OFFSET.cookie, 'ascii');
  footer.writeUInt32BE(FEATURES_RESERVED, OFFSET.features);
  footer.writeUInt32BE(FORMAT_VERSION, OFFSET.formatVersion);
  footer.writeBigUInt64BE(FIXED_DATA_OFFSET, OFFSET.dataOffset);
  footer.writeUInt32BE(Math.floor((Date.now() - VHD_EPOCH_MS) / 1000), OFFSET.timestamp);
  footer.write(CREATOR_APPLICATION, OFFSET.creatorApplication, 'ascii');
  footer.writeUInt32BE(CREATOR_VERSION, OFFSET.creatorVersion);
  footer.write(CREATOR_HOST_OS, OFFSET.creatorHostOs, 'ascii');
  footer.writeBigUInt64BE(BigInt(dataSize), OFFSET.originalSize);
  footer.writeBigUInt64BE(BigInt(dataSize), OFFSET.currentSize);
  const geometry = vhdGeometry(dataSize);
  footer.writeUInt16BE(geometry.cylinders, OFFSET.cylinders);
  footer.writeUInt8(geometry.heads, OFFSET.heads);
  footer.writeUInt8(geometry.sectorsPerTrack, OFFSET.sectorsPerTrack);
  footer.writeUInt32BE(DISK_TYPE_FIXED, OFFSET.diskType);
  randomBytes(16).copy(footer, OFFSET.uniqueId);
  footer.writeUInt32BE(footerChecksum(footer), OFFSET.checksum);
  return footer;
}

export function parseVhdFooter(buf: Buffer): { ok: true; footer: VhdFooter } | { ok: false; reason: string } {
  if (buf.length !== VHD_FOOTER_SIZE) {
    return { ok: false, reason: `A VHD footer is ${VHD_FOOTER_SIZE} bytes, not ${buf.length}.` };
  }
  const cookie = buf.toString('latin1', OFFSET.cookie, OFFSET.cookie + 8);
  if (cookie !== COOKIE) {
    return { ok: false, reason: `The VHD footer cookie is ${JSON.stringify(cookie)}, not "${COOKIE}".` };
  }
  const checksum = buf.readUInt32BE(OFFSET.checksum);
  const computed = footerChecksum(buf);
  if (checksum !== computed) {
    return {
      ok: false,
      reason: `The VHD footer checksum is 0x${checksum.toString(16)} but its content sums to 0x${computed.toString(16)}.`,
    };
  }
  const originalSize = buf.readBigUInt64BE(OFFSET.originalSize);
  const currentSize = buf.readBigUInt64BE(OFFSET.currentSize);
  if (originalSize > BigInt(Number.MAX_SAFE_INTEGER) || currentSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, reason: `The VHD footer sizes (${originalSize}, ${currentSize}) are beyond any real disk.` };
  }
  return {
    ok: true,
    footer: {
      features: buf.readUInt32BE(OFFSET.features),
      formatVersion: buf.readUInt32BE(OFFSET.formatVersion),
      dataOffset: buf.readBigUInt64BE(OFFSET.dataOffset),
      timestamp: new Date(VHD_EPOCH_MS + buf.readUInt32BE(OFFSET.timestamp) * 1000),
      creatorApplication: buf.toString('latin1', OFFSET.creatorApplication, OFFSET.creatorApplication + 4),
      creatorVersion: buf.readUInt32BE(OFFSET.creatorVersion),
      creatorHostOs: buf.toString('latin1', OFFSET.creatorHostOs, OFFSET.creatorHostOs + 4),
      originalSize: Number(originalSize),
      currentSize: Number(currentSize),
      geometry: {
        cylinders: buf.readUInt16BE(OFFSET.cylinders),
        heads: buf.readUInt8(OFFSET.heads),
        sectorsPerTrack: buf.readUInt8(OFFSET.sectorsPerTrack),
      },
      diskType: buf.readUInt32BE(OFFSET.diskType),
      checksum,
      uniqueId: buf.toString('hex', OFFSET.uniqueId, OFFSET.uniqueId + 16),
      savedState: buf.readUInt8(OFFSET.savedState),
    },
  };
}

const MIB = 1024 * 1024;
const MIN_UPLOAD_BYTES = 20 * MIB + VHD_FOOTER_SIZE;
/** Azure's "32 TiB" limit is 32,767 GiB (35183298347520 bytes with the footer). */
const MAX_UPLOAD_BYTES = 32767 * 1024 * MIB + VHD_FOOTER_SIZE;

/**
 * Azure's check of a disk's `uploadSizeBytes` (disk bytes plus the footer): the problem message, or
 * undefined when the size is acceptable. The multiple-of-MiB message is Azure's wording; the range
 * message follows Azure's documentation of the parameter.
 */
export function checkAzureDiskUploadSize(totalBytes: number): string | undefined {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < MIN_UPLOAD_BYTES || totalBytes > MAX_UPLOAD_BYTES) {
    return (
      `The upload size in bytes ${totalBytes} is not allowed: it should be between ${MIN_UPLOAD_BYTES} ` +
      `(20 MiB + 512 bytes for the VHD footer) and ${MAX_UPLOAD_BYTES} bytes (32 TiB + 512 bytes for the VHD footer).`
    );
  }
  const dataBytes = totalBytes - VHD_FOOTER_SIZE;
  if (dataBytes % MIB !== 0) {
    return (
      `The upload size in bytes ${totalBytes} - 512 bytes for the VHD footer ` +
      `(${dataBytes} in this case) must be a multiple of MiB.`
    );
  }
  return undefined;
}
