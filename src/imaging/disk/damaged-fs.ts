/**
 * The one error for a root file system Kiln refuses to open: whatever is wrong with it (an
 * inconsistency e2fsck finds, a superblock dumpe2fs cannot read), it may be an accident or an
 * attack, and the message says both.
 */
export class DamagedFileSystem extends Error {
  constructor(detail: string) {
    super(`The source image's root file system is damaged or hostile: ${detail}`);
    this.name = 'DamagedFileSystem';
  }
}
