/**
 * The File customizer: one file from `sourceUri` to `destination`, which must be under /tmp (Azure
 * Image Builder's rule on Linux), downloaded as every customizer downloads (download-into-image.ts).
 */
import { posix } from 'node:path';
import type { RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { downloadIntoImage } from './download-into-image.ts';

export interface FileCustomizer {
  type: 'File';
  name: string;
  sourceUri: string;
  destination: string;
  sha256Checksum?: string;
}

export function fileStep(spec: FileCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const label = `File customizer '${spec.name}'`;
  // Checked before the build starts: a bad destination should not cost a download and a boot.
  const destination = posix.normalize(spec.destination);
  if (!destination.startsWith('/tmp/') || destination === '/tmp/') {
    throw new Error(
      `${label}: destination '${spec.destination}' is not allowed. On Linux the File customizer can only write under /tmp ` +
        '(Azure Image Builder rule); upload to /tmp and move the file with a Shell customizer.',
    );
  }
  return {
    name: spec.name,
    run: ({ rootfs }, ctx) =>
      downloadIntoImage(label, spec.sourceUri, rootfs, destination, ctx, {
        sha256: spec.sha256Checksum,
        fetch: deps.fetch,
      }),
  };
}
