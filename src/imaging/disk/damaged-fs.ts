/**
 * The one error for a root file system Kiln refuses to extract: whatever is wrong with it (an
 * inconsistency e2fsck finds, a name holding "/" or "..", two entries of one name, an entry that is
 * not what its listing says), it may be an accident or an attack, and the message says both.
 */
export class DamagedFileSystem extends Error {
  constructor(detail: string) {
    super(`The source image's root file system is damaged or hostile: ${detail}`);
    this.name = 'DamagedFileSystem';
  }
}
