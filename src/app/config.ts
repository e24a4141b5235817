/**
 * Kiln's configuration, kept in `DIR/config.json`. The first start writes a fresh one: a tenant, a
 * subscription and the default regions, each region a folder under `DIR/regions`.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { DEFAULT_LOG_MAX_MIB } from '../imaging/build-log.ts';
import { configuredDiskLimit } from '../imaging/disk/disk-limit.ts';
import { downloadPolicy, type DownloadPolicy, type DownloadsConfig } from '../imaging/download-policy.ts';
import { DEFAULT_BOOT_CHECK_TIMEOUT_SECONDS } from '../imaging/image-template/boot-check-step.ts';
import { resolveLimits, type ResourceLimits } from '../imaging/limits/resource-limits.ts';
import type { KilnSettings } from '../domain/context.ts';
import { parsePublicIpPool } from '../domain/public-ip-addresses/address-pool.ts';
import { writeFileOnce } from './atomic-file.ts';
import { defaultVmCapacity } from '../adapters/qemu-vm-driver.ts';
import type { VmCapacity } from '../adapters/vm-turns.ts';
import type { VmSize } from '../domain/virtual-machines/vm-sizes.ts';

export interface RegionConfig {
  name: string;
  displayName: string;
  /** Folder of the region's blob store, relative to the data folder unless absolute. */
  dir?: string;
  /** Instead of a folder: a container of an Azure Blob storage account. */
  azureBlob?: { connectionString: string; container: string };
}

export interface KilnConfig {
  tenantId: string;
  subscriptions: Array<{ id: string; displayName: string }>;
  regions: RegionConfig[];
  /** Per-subscription, per-region limits (defaults: 10 galleries, 200 image definitions, 2000 versions). */
  quotas?: { galleries?: number; galleryImages?: number; galleryImageVersions?: number };
  /** Microsoft.Network. `publicIpAddressPool`: the loopback block public IP addresses come from (default 127.100.0.0/16). */
  network?: { publicIpAddressPool?: string };
  /**
   * Users' VMs. `sizes`: the VM size table (default: domain/virtual-machines/vm-sizes.ts); `maxCores`
   * and `maxMemoryMiB`: what VMs that are not deallocated hold at once (default: every CPU but one,
   * half the memory); `outbound`: VMs may open connections out through the host, its loopback
   * included (default off: they answer on their public IP only); `bootTimeoutSeconds` (default 300).
   */
  virtualMachines?: {
    sizes?: VmSize[];
    maxCores?: number;
    maxMemoryMiB?: number;
    outbound?: boolean;
    bootTimeoutSeconds?: number;
  };
  /**
   * Nodes sharing one metadata store (jobs/node-watch.ts): each writes its record every
   * `heartbeatSeconds` (default 5); one silent for `deadAfterSeconds` (default 30) is taken over.
   */
  nodes?: { heartbeatSeconds?: number; deadAfterSeconds?: number };
  /**
   * Image builds. `customizerNetwork`: customizer scripts share the host's network (default off: a
   * private loopback only). `builderGrants`: `subscription` (default) gives the image builder
   * principal Contributor at every subscription; `none` leaves granting to the operator, per group.
   */
  build?: {
    customizerNetwork?: boolean;
    builderGrants?: BuilderGrants;
    /** What one run may use on the host; see SECURITY.md. */
    limits?: BuildLimitsConfig;
    /** Where `scriptUri` and `sourceUri` downloads may go, how large and how long (see download-policy.ts). */
    downloads?: DownloadsConfig;
    /** Size in MiB past which a run's customization.log takes no more customizer output (default 64). */
    logMaxMiB?: number;
    /** Every build boots its image and waits for a login prompt on its serial console (default off; `kiln build --boot-check`). */
    bootCheck?: boolean;
    /** How long the boot check waits for the login prompt, in seconds (default 300). */
    bootCheckTimeoutSeconds?: number;
    /**
     * What this process's VMs (boot checks, validations, VM builds) hold at once: `maxRunning` VMs
     * (default 1), `maxCpus` vCPUs (default every CPU), `maxMemoryMiB` (default half the memory); more wait their turn.
     */
    vm?: { maxRunning?: number; maxCpus?: number; maxMemoryMiB?: number };
  };
}

/** Per-run resource limits; a field left out takes its default. */
export interface BuildLimitsConfig {
  /** Processes and threads a customizer step may run at once. */
  processes?: number;
  /** Memory a customizer step may hold, in MiB. */
  memoryMiB?: number;
  /** CPUs' worth of time a customizer step may use (1.5 = one and a half cores). */
  cpus?: number;
  /**
   * Host disk one run may write, in MiB: its fetched source and the working disk the build changes in
   * place and publishes as the built VHD, all in a file system of this size mounted for the run, so a
   * write past it fails the step with a message naming this setting. Default: three times the
   * source's size plus 256 MiB (disk-limit.ts says why: the build never grows the source's disk).
   * At least 16.
   */
  diskMiB?: number;
}

export type BuilderGrants = 'subscription' | 'none';

export function builderGrants(config: KilnConfig): BuilderGrants {
  const value = config.build?.builderGrants ?? 'subscription';
  if (value !== 'subscription' && value !== 'none')
    throw new Error(`config.json: build.builderGrants is '${String(value)}'; it must be "subscription" or "none".`);
  return value;
}

/** `build.logMaxMiB` in bytes; a value that is not a positive number throws, naming the setting. */
export function logMaxBytes(config: KilnConfig): number {
  const value = config.build?.logMaxMiB ?? DEFAULT_LOG_MAX_MIB;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`config.json: build.logMaxMiB must be a positive number of MiB, not ${JSON.stringify(value)}.`);
  }
  return Math.floor(value * 1024 * 1024);
}

/** What each customizer command may use: `build.limits` with the defaults filled in; a bad value names its setting. */
export function buildLimits(config: KilnConfig): ResourceLimits {
  try {
    return resolveLimits(config.build?.limits);
  } catch (error) {
    throw new Error(`config.json: ${(error as Error).message}`);
  }
}

/** `build.limits.diskMiB`, checked; undefined for the per-source default. */
export function buildDiskLimitMiB(config: KilnConfig): number | undefined {
  try {
    return configuredDiskLimit(config.build?.limits?.diskMiB);
  } catch (error) {
    throw new Error(`config.json: ${(error as Error).message}`);
  }
}

/** How builds boot their images: `build.bootCheck`, `build.bootCheckTimeoutSeconds`, `build.vm`, checked. */
export interface VmSettings {
  bootCheck: boolean;
  bootCheckTimeoutSeconds: number;
  capacity: VmCapacity;
}

export function vmSettings(config: KilnConfig): VmSettings {
  const { bootCheck = false, bootCheckTimeoutSeconds = DEFAULT_BOOT_CHECK_TIMEOUT_SECONDS, vm } = config.build ?? {};
  const defaults = defaultVmCapacity();
  const capacity: VmCapacity = {
    vms: vmLimit('maxRunning', vm?.maxRunning, defaults.vms),
    cpus: vmLimit('maxCpus', vm?.maxCpus, defaults.cpus),
    memoryMiB: vmLimit('maxMemoryMiB', vm?.maxMemoryMiB, defaults.memoryMiB),
  };
  if (typeof bootCheck !== 'boolean')
    throw new Error(`config.json: build.bootCheck must be true or false, not ${JSON.stringify(bootCheck)}.`);
  if (
    typeof bootCheckTimeoutSeconds !== 'number' ||
    !Number.isFinite(bootCheckTimeoutSeconds) ||
    bootCheckTimeoutSeconds <= 0
  )
    throw new Error(
      `config.json: build.bootCheckTimeoutSeconds must be a positive number of seconds, not ${JSON.stringify(bootCheckTimeoutSeconds)}.`,
    );
  return { bootCheck, bootCheckTimeoutSeconds, capacity };
}

function vmLimit(name: string, value: unknown, otherwise: number): number {
  if (value === undefined) return otherwise;
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new Error(
      `config.json: build.vm.${name} must be a whole number of at least 1, not ${JSON.stringify(value)}.`,
    );
  return value as number;
}

/** What config.json's `build` says of how runs may use the host, every value checked. */
export interface OperatorBuildSettings {
  limits: ResourceLimits;
  diskLimitMiB: number | undefined;
  downloads: DownloadPolicy;
  logMaxBytes: number;
  vm: VmSettings;
}

/** `build.limits`, `build.downloads`, `build.logMaxMiB` and the VM settings, read once; the first bad value throws, naming its setting. */
export function operatorBuildSettings(config: KilnConfig): OperatorBuildSettings {
  return {
    limits: buildLimits(config),
    diskLimitMiB: buildDiskLimitMiB(config),
    downloads: downloadPolicy(config.build?.downloads),
    logMaxBytes: logMaxBytes(config),
    vm: vmSettings(config),
  };
}

export const DEFAULT_REGIONS: Array<[string, string]> = [
  ['eastus', 'East US'],
  ['eastus2', 'East US 2'],
  ['westcentralus', 'West Central US'],
  ['westus', 'West US'],
  ['westus2', 'West US 2'],
  ['southcentralus', 'South Central US'],
];

export function defaultConfig(): KilnConfig {
  return {
    tenantId: randomUUID(),
    subscriptions: [{ id: randomUUID(), displayName: 'Kiln' }],
    regions: DEFAULT_REGIONS.map(([name, displayName]) => ({ name, displayName, dir: join('regions', name) })),
  };
}

/** Where the configuration is: `file` when given (`--config`: one file several nodes share), else the data folder's. */
export const configPath = (dataDir: string, file?: string) => file ?? join(dataDir, 'config.json');

/** The configuration, or undefined when there is none yet. */
export async function readConfig(dataDir: string, file?: string): Promise<KilnConfig | undefined> {
  const path = configPath(dataDir, file);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as KilnConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * The configuration, made with a new tenant and subscription when there is none. Of processes
 * starting at once on one file, one writes it and the others read that one.
 */
export async function loadOrCreateConfig(
  dataDir: string,
  file?: string,
): Promise<{ config: KilnConfig; created: boolean }> {
  const existing = await readConfig(dataDir, file);
  if (existing) return { config: existing, created: false };
  const path = configPath(dataDir, file);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // 0600: a region's azureBlob connection string is a storage account key.
  const config = defaultConfig();
  if (await writeFileOnce(path, JSON.stringify(config, null, 2) + '\n', 0o600)) return { config, created: true };
  return { config: (await readConfig(dataDir, file))!, created: false };
}

/** What the domain needs to know of the configuration. */
export function domainSettings(config: KilnConfig, publicUrl?: string): KilnSettings {
  return {
    tenantId: config.tenantId,
    subscriptions: config.subscriptions,
    regions: config.regions.map(({ name, displayName }) => ({ name, displayName })),
    quotas: config.quotas,
    publicIpAddressPool: publicIpAddressPool(config),
    virtualMachines: virtualMachineSettings(config),
    publicUrl,
  };
}

/** `virtualMachines`, checked before anything listens: a bad value throws, naming the setting. */
function virtualMachineSettings(config: KilnConfig): KilnSettings['virtualMachines'] {
  const given = config.virtualMachines ?? {};
  for (const field of ['maxCores', 'maxMemoryMiB', 'bootTimeoutSeconds'] as const) {
    const value = given[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new Error(
        `config.json: virtualMachines.${field} must be a whole number of at least 1, not ${JSON.stringify(value)}.`,
      );
  }
  for (const [i, size] of (given.sizes ?? []).entries())
    if (typeof size?.name !== 'string' || !Number.isInteger(size.numberOfCores) || !Number.isInteger(size.memoryInMB))
      throw new Error(
        `config.json: virtualMachines.sizes[${i}] needs a name, a whole numberOfCores and a whole memoryInMB.`,
      );
  const { bootTimeoutSeconds: _, ...settings } = given;
  return settings;
}

/** `nodes`, checked: the heartbeat and the silence after which a node is taken over, in ms. */
export function nodeWatchSettings(config: KilnConfig): { heartbeatMs: number; deadAfterMs: number } {
  const { heartbeatSeconds = 5, deadAfterSeconds = 30 } = config.nodes ?? {};
  for (const [name, value] of Object.entries({ heartbeatSeconds, deadAfterSeconds }))
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`config.json: nodes.${name} must be a whole number of at least 1, not ${JSON.stringify(value)}.`);
  if (deadAfterSeconds < 2 * heartbeatSeconds)
    throw new Error(
      `config.json: nodes.deadAfterSeconds (${deadAfterSeconds}) must be at least twice nodes.heartbeatSeconds (${heartbeatSeconds}): one late heartbeat must not make a node dead.`,
    );
  return { heartbeatMs: heartbeatSeconds * 1000, deadAfterMs: deadAfterSeconds * 1000 };
}

/** How long a user's VM may take to reach its login prompt (`virtualMachines.bootTimeoutSeconds`). */
export const vmBootTimeoutSeconds = (config: KilnConfig) => config.virtualMachines?.bootTimeoutSeconds ?? 300;

/** `network.publicIpAddressPool`, checked before anything listens; a bad value throws, naming the setting. */
function publicIpAddressPool(config: KilnConfig): string | undefined {
  const pool = config.network?.publicIpAddressPool;
  if (pool === undefined) return undefined;
  try {
    parsePublicIpPool(pool);
  } catch (error) {
    throw new Error(`config.json: ${(error as Error).message}`);
  }
  return pool;
}

export const regionDir = (dataDir: string, region: RegionConfig) => {
  const dir = region.dir ?? join('regions', region.name);
  return isAbsolute(dir) ? dir : join(dataDir, dir);
};
