/**
 * The image a build made, as the write image step leaves it for the steps after it (boot check,
 * validation, which boot it) and for the run to store: Azure's fixed VHD, either as one file or, when
 * the build worked on a copy-on-write overlay over its source (overlay-disk.ts), as the overlay's raw
 * disk with the footer beside it and the list of what changed, so storing it writes only that.
 */
export interface BuiltImage {
  /** A file to boot and read: the fixed VHD itself (`vpc`), or its raw disk (`raw`), which `footer` follows. */
  path: string;
  format: 'vpc' | 'raw';
  /** Bytes of the published fixed VHD: a whole number of MiB of disk, then the 512-byte footer. */
  size: number;
  /** The footer that follows a `raw` path's bytes in the VHD. */
  footer?: Buffer;
  /**
   * When the image is its source's bytes plus the build's changes: the indexes of the CHUNK_SIZE
   * pieces of the VHD that may differ from the source's (the footer's always does), in order.
   */
  changedChunks?: number[];
  /**
   * The VHD's bytes at `offset`, footer included, for an overlay's image: read from the source and the
   * overlay file, not through `path`, which Kiln's own process must not read (overlay-disk.ts).
   */
  read?(offset: number, length: number): Promise<Buffer>;
}
