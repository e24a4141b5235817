/**
 * `kiln build`: one image template run on this machine, without a server. It is the service's own
 * run (the same domain operations, job and build pipeline) over the embedded stores of a data
 * folder, with this process as the only worker. What the template distributes to must exist, as in
 * Azure; locally that would mean starting a server just to create it, so the resource groups and
 * gallery image definitions the template names are created when missing, and said so.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findRootPartition } from '../imaging/disk/partitions.ts';
import { removeRunWork } from '../imaging/disk/run-space.ts';
import { imageBuildState } from '../imaging/image-template/image-build-state.ts';
import { ArmError } from '../core/arm-error.ts';
import { parseBlobUrl } from '../core/blob-url.ts';
import { parseResourceId, resourceGroupId, type ResourceId } from '../core/resource-id.ts';
import type { DomainContext } from '../domain/context.ts';
import { createOrUpdateGallery, galleryId } from '../domain/galleries/operations.ts';
import { createOrUpdateGalleryImage, galleryImageId } from '../domain/gallery-images/operations.ts';
import { grantBuilderAccess, type BuildReferences } from '../domain/image-templates/builder-access.ts';
import { readCustomizationLog } from '../domain/image-templates/customization-log.ts';
import type {
  BootCheckOutput,
  ImageTemplate,
  ImageTemplateInternal,
} from '../domain/image-templates/image-template.ts';
import {
  checkTemplate,
  createOrUpdateTemplate,
  deleteTemplate,
  getTemplate,
  listRunOutputs,
  templateId,
  type TemplateRef,
} from '../domain/image-templates/operations.ts';
import { cancelTemplateRun, runTemplate } from '../domain/image-templates/run-template.ts';
import { stagingGroupPrefix } from '../domain/image-templates/run/run-status.ts';
import { createOrUpdateResourceGroup, deleteResourceGroup } from '../domain/resource-groups/operations.ts';
import { getResource } from '../domain/shared/arm-resource.ts';
import { RESOURCE_GROUP_KIND } from '../domain/resource-groups/resource-group.ts';
import { writeBlobFile, type DiskFileFormat } from './blob-file.ts';
import { ensureBuilderPrincipal } from './builder-principal.ts';
import { openKiln, type Kiln } from './kiln.ts';
import { startWorkers, workRoot } from './workers.ts';

const LOCAL_LEASE_MS = 3000;

export interface LocalBuildOptions {
  dataDir: string;
  resourceGroup: string;
  name: string;
  /** The template resource body (as `kiln validate` reads it from a file). */
  body: Record<string, unknown>;
  /** `abort` keeps the working disk of a failed customizer for a look inside. */
  onError: 'cleanup' | 'abort';
  /** Where VHD run outputs are written, as `<run output name>.vhd` (or `.raw`): files of the user's own. */
  outputDir: string;
  outputFormat: DiskFileFormat;
  /** Canceling it cancels the run, which cleans up and ends Canceled. */
  signal: AbortSignal;
  /** Each line of the run's customization.log, as it is written. */
  onLog(line: string): void;
  /** Something the local build did on the way (created a resource group, ...). */
  onNote(text: string): void;
  /** Boot the built image and wait for a login prompt (`--boot-check`); unset, `build.bootCheck` decides. */
  bootCheck?: boolean;
}

export interface LocalRunOutput {
  name: string;
  artifactId?: string;
  artifactUri?: string;
  /** The file a VHD output was written to (`outputDir`), in `outputFormat`. */
  path?: string;
  provisioningState: string;
  kilnBootCheck?: BootCheckOutput;
}

export interface LocalBuildResult {
  templateId: string;
  runState: string;
  message: string;
  outputs: LocalRunOutput[];
  /** Working files kept for debugging (`--on-error=abort`). */
  kept?: KeptWork;
}

export async function runLocalBuild(options: LocalBuildOptions): Promise<LocalBuildResult> {
  const kiln = await openKiln({ dataDir: options.dataDir });
  try {
    // A server using this data folder is found before anything changes, its jobs included.
    await kiln.openRegions();
  } catch (error) {
    await kiln.close();
    throw error;
  }
  // A short lease: jobs a killed `kiln build` left behind are taken over in seconds, not half a minute.
  const workers = startWorkers(kiln, {
    dataDir: options.dataDir,
    workers: 1,
    pollMs: 50,
    leaseMs: LOCAL_LEASE_MS,
    // The CLI prints the run's lines as they come (`follow`, every 100 ms): they go out as often.
    logFlushMs: 100,
    bootCheck: options.bootCheck,
    onVmNotice: options.onNote,
  });
  try {
    const ctx = kiln.domain;
    const ref: TemplateRef = {
      subscription: kiln.config.subscriptions[0].id,
      resourceGroup: options.resourceGroup,
      name: options.name,
    };
    const body = withErrorHandling(options.body, options.onError);
    const { spec } = checkTemplate(ctx, body);
    await ensureGroup(ctx, ref.subscription, ref.resourceGroup, spec.location, options.onNote);
    await ensureTargets(ctx, spec.properties.distribute, options.onNote);
    await ensureBuilderAccess(kiln, spec, options.onNote);
    await endOrphanedRun(ctx, ref, options.onNote);
    await removeKeptRuns(ctx, options.dataDir, ref, options.onNote);
    await putTemplate(ctx, ref, body, options.onNote);
    const cancel = () => void cancelTemplateRun(ctx, ref).catch(() => {});
    options.signal.addEventListener('abort', cancel, { once: true });
    try {
      await runTemplate(ctx, ref);
      if (options.signal.aborted) cancel();
      await follow(ctx, ref, options.onLog);
    } finally {
      options.signal.removeEventListener('abort', cancel);
    }
    const template = (await getTemplate(ctx, ref)).data;
    const status = template.resource.properties.lastRunStatus!;
    const outputs = await Promise.all((await listRunOutputs(ctx, ref)).map((o) => localOutput(ctx, o, options)));
    const kept =
      status.runState === 'Failed' && options.onError === 'abort'
        ? await keptWork(options.dataDir, template.internal.runId)
        : undefined;
    return {
      templateId: template.resource.id,
      runState: status.runState,
      message: status.message ?? '',
      outputs,
      ...(kept ? { kept } : {}),
    };
  } finally {
    await workers.stop();
    await kiln.close();
  }
}

function withErrorHandling(body: Record<string, unknown>, onError: 'cleanup' | 'abort'): Record<string, unknown> {
  const properties = (body.properties ?? {}) as Record<string, unknown>;
  const errorHandling = {
    ...((properties.errorHandling ?? {}) as Record<string, unknown>),
    onCustomizerError: onError,
  };
  return { ...body, properties: { ...properties, errorHandling } };
}

async function ensureGroup(
  ctx: DomainContext,
  subscription: string,
  name: string,
  location: string,
  note: (text: string) => void,
) {
  if (await getResource(ctx, resourceGroupId(subscription, name))) return;
  await createOrUpdateResourceGroup(ctx, { subscription, name }, { location });
  note(`created resource group ${name} (${location})`);
}

async function ensureTargets(
  ctx: DomainContext,
  targets: ReturnType<typeof checkTemplate>['spec']['properties']['distribute'],
  note: (text: string) => void,
) {
  for (const target of targets) {
    if (target.type === 'ManagedImage') {
      const id = parseResourceId(target.imageId)!;
      await ensureGroup(ctx, id.subscription, id.resourceGroup!, target.location, note);
    }
    if (target.type === 'SharedImage')
      await ensureDefinition(ctx, parseResourceId(target.galleryImageId)!, target.targetRegions[0]?.name, note);
  }
}

/**
 * The build acts as the image builder principal, as a server's does. This process owns the data
 * folder and may grant anything, so it gives the builder what this template needs and lacks (only
 * with `build.builderGrants: "none"` can anything lack), and says so.
 */
async function ensureBuilderAccess(kiln: Kiln, template: BuildReferences, note: (text: string) => void) {
  await ensureBuilderPrincipal(kiln);
  for (const grant of await grantBuilderAccess(kiln.domain, template))
    note(`granted the image builder principal ${grant.role} on ${grant.scope}`);
}

/** A missing gallery or image definition gets Linux, generalized defaults named after the definition. */
async function ensureDefinition(
  ctx: DomainContext,
  id: ResourceId,
  region: string | undefined,
  note: (text: string) => void,
) {
  const [gallery, image] = [id.types[0][1], id.types[1][1]];
  const location = region ?? ctx.settings.regions[0].name;
  await ensureGroup(ctx, id.subscription, id.resourceGroup!, location, note);
  const galleryRef = { subscription: id.subscription, resourceGroup: id.resourceGroup!, name: gallery };
  if (!(await getResource(ctx, galleryId(galleryRef)))) {
    await createOrUpdateGallery(ctx, galleryRef, { location, properties: { description: 'Created by kiln build' } });
    note(`created gallery ${gallery}`);
  }
  const ref = { subscription: id.subscription, resourceGroup: id.resourceGroup!, gallery, name: image };
  if (await getResource(ctx, galleryImageId(ref))) return;
  await createOrUpdateGalleryImage(ctx, ref, {
    location,
    properties: {
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln-local', offer: gallery, sku: image },
    },
  });
  note(
    `created image definition ${gallery}/${image} (Linux, generalized; publisher kiln-local, offer ${gallery}, sku ${image})`,
  );
}

/**
 * A `kiln build` that was killed leaves its run Running. This process owns the data folder now, so
 * nobody else will finish it: cancel it, and let this worker take it over and end it.
 */
async function endOrphanedRun(ctx: DomainContext, ref: TemplateRef, note: (text: string) => void) {
  const runState = async () =>
    (await getResource<ImageTemplate, ImageTemplateInternal>(ctx, templateId(ref)))?.data.resource.properties
      .lastRunStatus?.runState;
  const state = await runState();
  if (state !== 'Running' && state !== 'Canceling') return;
  note('an earlier build of this template was stopped before it ended: canceling that run first');
  if (state === 'Running') await cancelTemplateRun(ctx, ref);
  while (['Running', 'Canceling'].includes((await runState()) ?? ''))
    await new Promise((resolve) => setTimeout(resolve, 100));
}

/**
 * What an earlier `--on-error abort` run of this template kept (its staging resource group and
 * working files) goes when the template is built again: the user has had their look.
 */
async function removeKeptRuns(ctx: DomainContext, dataDir: string, ref: TemplateRef, note: (text: string) => void) {
  const prefix = stagingGroupPrefix(ref.resourceGroup, ref.name).toLowerCase();
  const groups = await ctx.store.list<{ resource: { name: string } }>({
    kind: RESOURCE_GROUP_KIND,
    subscription: ref.subscription.toLowerCase(),
    limit: 10_000,
  });
  // The rest of the name is the run id's first 8 digits; anything longer is another template's (`web` vs `web_x`).
  const kept = groups.filter(
    (g) =>
      g.data.resource.name.toLowerCase().startsWith(prefix) &&
      /^[0-9a-f]{8}$/i.test(g.data.resource.name.slice(prefix.length)),
  );
  for (const group of kept) {
    const name = group.data.resource.name;
    const runPrefix = name.slice(prefix.length).toLowerCase();
    for (const run of await readdir(workRoot(dataDir)).catch(() => [])) {
      if (run.toLowerCase().startsWith(runPrefix)) await removeRunWork(join(workRoot(dataDir), run));
    }
    await deleteResourceGroup(ctx, { subscription: ref.subscription, name });
    while (await getResource(ctx, resourceGroupId(ref.subscription, name)))
      await new Promise((resolve) => setTimeout(resolve, 50));
    note(`removed what an earlier --on-error abort run kept (${name} and its working image)`);
  }
}

/**
 * Templates are immutable in Azure; the local loop is about editing one and building again, so a
 * changed template replaces the stored one (whose earlier VHD outputs go with it).
 */
async function putTemplate(
  ctx: DomainContext,
  ref: TemplateRef,
  body: Record<string, unknown>,
  note: (text: string) => void,
) {
  let stored: Awaited<ReturnType<typeof createOrUpdateTemplate>>;
  try {
    stored = await createOrUpdateTemplate(ctx, ref, body);
  } catch (error) {
    if ((error as ArmError).code !== 'UpdateNotSupported') throw error;
    await deleteTemplate(ctx, ref);
    stored = await createOrUpdateTemplate(ctx, ref, body);
    note(`the template changed since its last build: replaced image template ${ref.name}`);
  }
  // What names other resources (a source image, say) is checked once stored, as Azure does.
  const failed = stored.template.properties.provisioningError;
  if (stored.template.properties.provisioningState === 'Failed' && failed) {
    throw new ArmError(400, failed.provisioningErrorCode, failed.message);
  }
}

/** Streams the log until the run has ended and its log is complete. */
async function follow(ctx: DomainContext, ref: TemplateRef, onLog: (line: string) => void) {
  let offset = 0;
  let partial = '';
  for (;;) {
    const chunk = await readCustomizationLog(ctx, ref, offset);
    offset = chunk.nextOffset;
    const lines = (partial + chunk.text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLog(line);
    if (chunk.complete) {
      if (partial) onLog(partial);
      return;
    }
    // A read is bounded (readCustomizationLog): wait only once caught up.
    if (chunk.text === '') await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A run output as the CLI shows it; a VHD output is also written to `outputDir`, since the store's blob is shared and sealed. */
async function localOutput(
  ctx: DomainContext,
  output: Awaited<ReturnType<typeof listRunOutputs>>[number],
  { outputDir, outputFormat }: Pick<LocalBuildOptions, 'outputDir' | 'outputFormat'>,
): Promise<LocalRunOutput> {
  const result: LocalRunOutput = { name: output.name, ...output.properties };
  const blob = output.properties.artifactUri ? parseBlobUrl(output.properties.artifactUri) : undefined;
  const store = blob && ctx.regions.get(blob.region);
  if (!blob || !store || output.properties.provisioningState !== 'Succeeded') return result;
  await mkdir(outputDir, { recursive: true });
  const path = join(outputDir, `${output.name}.${outputFormat}`);
  await writeBlobFile(store, blob.key, path, outputFormat);
  return { ...result, path };
}

/** What a run kept: its work folder, and the working disk as the failed step left it, with where its root file system starts. */
export interface KeptWork {
  work: string;
  disk: string;
  rootOffset: number;
}

async function keptWork(dataDir: string, runId: string | undefined): Promise<KeptWork | undefined> {
  if (!runId) return undefined;
  const work = join(workRoot(dataDir), runId);
  const disk = imageBuildState(work).raw;
  const partition = await findRootPartition(disk).catch(() => undefined);
  return partition ? { work, disk, rootOffset: partition.start } : undefined;
}
