/**
 * The line format of a run's customization.log, shared by the build that writes it line by line
 * (imaging/build-log.ts) and the run's record keeping, which writes a whole log for a run refused
 * before it had a work folder: every line starts with its time, also each line of a multi-line message.
 */
export function logLines(text: string, time: Date): string {
  const stamp = time.toISOString();
  return text
    .split('\n')
    .map((line) => `${stamp} ${line}\n`)
    .join('');
}
