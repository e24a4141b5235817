/**
 * A read-only NBD server (the network block device protocol, fixed newstyle handshake) on a unix
 * socket, serving one disk whose bytes Kiln reads at random offsets: a source image held as chunks
 * in a region store. QEMU's NBD client reads the disk through it, so a build's copy-on-write
 * overlay (overlay-disk.ts) needs no local copy of its source.
 *
 * Invariants:
 * - The export is read-only: writes, trims and zero requests are refused with EPERM; the
 *   transmission flags say READ_ONLY, so QEMU never sends them.
 * - Every request is checked against the disk's size before anything is read (EINVAL past the end),
 *   and a read longer than MAX_REQUEST is refused, so a client bounds neither Kiln's memory nor its reads.
 * - Replies go out in request order, one request at a time per connection: QEMU pipelines requests,
 *   and the answers keep their handles, so order is only a simplification.
 * - Anything the protocol does not expect (a bad magic, an unknown command) ends that connection,
 *   never the process. Only simple replies are given: structured replies and metadata contexts are
 *   answered "unsupported", which every client handles.
 * - The socket's folder is the caller's; the socket file is made 0600 (it is the disk's bytes).
 */
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';

/** What the server exports: `read` answers `length` bytes from `offset`, within `size`. */
export interface NbdDisk {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export interface NbdServer {
  close(): Promise<void>;
}

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;

const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const CLIENT_FLAG_NO_ZEROES = 2;

const OPT_EXPORT_NAME = 1;
const OPT_ABORT = 2;
const OPT_INFO = 6;
const OPT_GO = 7;
const REP_ACK = 1;
const REP_INFO = 3;
const REP_ERR_UNSUP = 0x80000001;
const INFO_EXPORT = 0;
const INFO_BLOCK_SIZE = 3;

const TRANSMIT_HAS_FLAGS = 1;
const TRANSMIT_READ_ONLY = 2;
const TRANSMIT_CAN_MULTI_CONN = 1 << 8;

const CMD_READ = 0;
const CMD_DISC = 2;
const CMD_FLUSH = 3;
const EPERM = 1;
const EIO = 5;
const EINVAL = 22;

/** The longest read a client may ask for: QEMU's own limit, 32 MiB. */
const MAX_REQUEST = 32 * 1024 * 1024;

/** Buffers a socket's bytes so the protocol code can await exactly `n` of them. */
function reader(socket: Socket) {
  let buffered: Buffer = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let ended = false;
  socket.on('data', (data: Buffer) => {
    buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data]);
    waiting?.();
  });
  const end = () => {
    ended = true;
    waiting?.();
  };
  socket.on('end', end);
  socket.on('close', end);
  return async (n: number): Promise<Buffer> => {
    while (buffered.length < n) {
      if (ended) throw new Error('the client went away');
      await new Promise<void>((wake) => (waiting = wake));
      waiting = undefined;
    }
    const bytes = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return bytes;
  };
}

const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
};
const u64 = (value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return b;
};

function optionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([u64(REPLY_MAGIC), u32(option), u32(type), u32(data.length), data]);
}

async function serve(socket: Socket, disk: NbdDisk): Promise<void> {
  const take = reader(socket);
  const send = (data: Buffer) => new Promise<void>((done) => socket.write(data, () => done()));
  const flags = TRANSMIT_HAS_FLAGS | TRANSMIT_READ_ONLY | TRANSMIT_CAN_MULTI_CONN;
  await send(Buffer.concat([u64(NBDMAGIC), u64(IHAVEOPT), u16(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)]));
  const clientFlags = (await take(4)).readUInt32BE();

  // Option haggling, until the client picks the export (GO or EXPORT_NAME).
  for (;;) {
    const header = await take(16);
    if (header.readBigUInt64BE(0) !== IHAVEOPT) throw new Error('bad option magic');
    const option = header.readUInt32BE(8);
    const length = header.readUInt32BE(12);
    if (length > 4096) throw new Error('option too long');
    await take(length); // the export name and info requests: there is one export, and it says everything
    if (option === OPT_EXPORT_NAME) {
      await send(Buffer.concat([u64(BigInt(disk.size)), u16(flags)]));
      if (!(clientFlags & CLIENT_FLAG_NO_ZEROES)) await send(Buffer.alloc(124));
      break;
    }
    if (option === OPT_GO || option === OPT_INFO) {
      const exportInfo = Buffer.concat([u16(INFO_EXPORT), u64(BigInt(disk.size)), u16(flags)]);
      // Minimum 512, preferred 64 KiB, maximum one request.
      const blockSize = Buffer.concat([u16(INFO_BLOCK_SIZE), u32(512), u32(65536), u32(MAX_REQUEST)]);
      await send(optionReply(option, REP_INFO, exportInfo));
      await send(optionReply(option, REP_INFO, blockSize));
      await send(optionReply(option, REP_ACK));
      if (option === OPT_GO) break;
      continue;
    }
    if (option === OPT_ABORT) {
      await send(optionReply(option, REP_ACK));
      socket.end();
      return;
    }
    await send(optionReply(option, REP_ERR_UNSUP));
  }

  // Transmission.
  for (;;) {
    const request = await take(28);
    if (request.readUInt32BE(0) !== REQUEST_MAGIC) throw new Error('bad request magic');
    const type = request.readUInt16BE(6);
    const handle = request.subarray(8, 16);
    const offset = Number(request.readBigUInt64BE(16));
    const length = request.readUInt32BE(24);
    const reply = (error: number) => Buffer.concat([u32(SIMPLE_REPLY_MAGIC), u32(error), handle]);
    if (type === CMD_DISC) {
      socket.end();
      return;
    }
    if (type === CMD_FLUSH) {
      await send(reply(0));
      continue;
    }
    if (type !== CMD_READ) {
      // A write's payload follows its header: skip it before answering, or it would be read as requests.
      if (type === 1) await take(length);
      await send(reply(EPERM));
      continue;
    }
    if (length > MAX_REQUEST || offset + length > disk.size) {
      await send(reply(EINVAL));
      continue;
    }
    let data: Buffer;
    try {
      data = await disk.read(offset, length);
      if (data.length !== length) throw new Error(`short read: ${data.length} of ${length} bytes`);
    } catch {
      await send(reply(EIO));
      continue;
    }
    await send(Buffer.concat([reply(0), data]));
  }
}

/** Serves `disk` on the unix socket `path` until `close`. */
export async function serveNbd(path: string, disk: NbdDisk): Promise<NbdServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket, disk).catch(() => socket.destroy());
  });
  await new Promise<void>((listening, fail) => {
    server.once('error', fail);
    server.listen(path, () => listening());
  });
  await chmod(path, 0o600);
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
