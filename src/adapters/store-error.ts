/** Errors of the folder store, carrying the Azure Storage error code of the condition for callers to tell them apart. */
export const storeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

/** Whether a file system call failed with errno `code` (ENOENT, EEXIST). */
export const isCode = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException)?.code === code;
