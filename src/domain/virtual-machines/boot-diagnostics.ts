/**
 * `retrieveBootDiagnosticsData`: the VM's serial console as Azure's managed boot diagnostics hand it
 * out, a read-only SAS URL valid for `sasUriExpirationTimeInMinutes` (120 when left out). The console
 * is copied from the host's file into a blob the VM owns (deleted with it) at each call, so the URL
 * shows the console as it was then; there is no screenshot (`consoleScreenshotBlobUri` is left out).
 * The call writes only its grant, never the VM's record: a create, start or stop job finishing
 * meanwhile (its write expects the record unchanged) must not lose to someone reading the console.
 * The VM owns the blob from its creation (`bootDiagnosticsBlob`). A node that does not run the VM
 * has no file of its console: it hands out the blob as the running node last mirrored it
 * (jobs/tasks/machine-console.ts), a few seconds late at most.
 */
import { createReadStream, existsSync } from 'node:fs';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { openGrant } from '../shared/blob-grants.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { getVirtualMachine } from './operations.ts';
import { bootDiagnosticsBlob } from './virtual-machine.ts';

const DEFAULT_MINUTES = 120;

const MAX_MINUTES = 24 * 60 * 7;

export async function retrieveBootDiagnosticsData(
  ctx: DomainContext,
  ref: ResourceRef,
  minutes: string | undefined,
  baseUrl: string,
): Promise<{ serialConsoleLogBlobUri: string }> {
  const ttl = minutes === undefined ? DEFAULT_MINUTES : Number(minutes);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_MINUTES)
    throw new ArmError(
      400,
      'InvalidParameter',
      `sasUriExpirationTimeInMinutes must be a whole number of minutes from 1 to ${MAX_MINUTES}, not '${minutes}'.`,
      'sasUriExpirationTimeInMinutes',
    );
  const record = await getVirtualMachine(ctx, ref);
  const vm = record.data.resource;
  if (!vm.properties.diagnosticsProfile.bootDiagnostics.enabled)
    throw new ArmError(409, 'OperationNotAllowed', `Boot diagnostics are not enabled on VM '${vm.name}'.`);
  const file = record.data.internal.serialLog;
  const blob = bootDiagnosticsBlob(vm);
  const store = ctx.regions.get(blob.region)!;
  // On the VM's node the console is copied afresh; another node shows the node's mirror of it.
  if (file && existsSync(file)) await store.put(blob.key, createReadStream(file), { overwrite: true });
  else if (!(await store.stat(blob.key)))
    throw new ArmError(404, 'NotFound', `VM '${vm.name}' has not booted yet: it has no serial console to show.`);
  const expiresOn = new Date(ctx.clock.now().getTime() + ttl * 60_000);
  const grant = openGrant(blob.region, blob.key, expiresOn);
  await ctx.store.apply([grant.write]);
  return {
    serialConsoleLogBlobUri: ctx.blobUrls.signed(baseUrl, blob.region, blob.key, {
      write: false,
      expiresOn,
      identifier: grant.identifier,
    }),
  };
}
