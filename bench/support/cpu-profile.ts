/**
 * Reads a V8 CPU profile (`node --cpu-prof` writes one as `*.cpuprofile` when the process exits) into
 * where the time went: per function its self time (samples where it was on top of the stack) and
 * total time (samples where it was anywhere on the stack, counted once however deep it recursed),
 * and self time per area (a package under node_modules, a file of Kiln's src/, Node's own modules,
 * or V8's entries: (program) is native code with no JavaScript frame, such as TLS and parsing in C++;
 * (garbage collector); (idle) is the event loop waiting).
 *
 * Sample times are V8's monotonic clock in microseconds, the clock of `process.hrtime` on Linux, so
 * a window taken with `process.hrtime.bigint()` in another process of the same host picks the
 * samples of that span (the load of one wrk run) out of a whole server's life.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable } from './report.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock, in microseconds. */
export interface Window {
  fromUs: number;
  toUs: number;
}

export interface ProfileEntry {
  name: string;
  samples: number;
}

export interface ProfileSummary {
  samples: number;
  self: ProfileEntry[];
  total: ProfileEntry[];
  areas: ProfileEntry[];
}

/** Now on the clock the profile's samples are stamped with. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * The profile of the main thread of the one process that wrote into `dir`: Node names them
 * `CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile`, and other threads (the module loader's hooks
 * that tsx registers) write their own.
 */
export async function readProfile(dir: string): Promise<CpuProfile> {
  const files = (await readdir(dir)).filter((file) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file));
  if (files.length !== 1) throw new Error(`${dir} holds ${files.length} main-thread .cpuprofile files, not one`);
  return JSON.parse(await readFile(path.join(dir, files[0]), 'utf8')) as CpuProfile;
}

/** Where a frame's code lives, shortened: `fastify/lib/route.js`, `src/http/arm/authorize.ts`, `node:internal/...`. */
function place(url: string): string {
  if (url === '') return '';
  const local = url.replace(/^file:\/\//, '');
  const inModules = local.lastIndexOf('/node_modules/');
  if (inModules !== -1) return local.slice(inModules + '/node_modules/'.length);
  const inSrc = local.lastIndexOf('/src/');
  if (inSrc !== -1) return local.slice(inSrc + 1);
  return local;
}

function areaOf(url: string, functionName: string): string {
  const where = place(url);
  if (where === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (where.startsWith('node:')) return 'node:*';
  if (where.startsWith('src/')) return where;
  const [scopeOrName, name] = where.split('/');
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}

function nameOf({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  const where = place(url);
  return where === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

const top = (counts: Map<string, number>, count: number): ProfileEntry[] =>
  [...counts]
    .map(([name, samples]) => ({ name, samples }))
    .sort((a, b) => b.samples - a.samples)
    .slice(0, count);

/** The `count` heaviest functions by self and by total time, and the areas by self time, over the samples in `window`. */
export function summarize(profile: CpuProfile, window: Window | undefined, count = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stacks = new Map<number, Set<string>>();
  const stackOf = (id: number): Set<string> => {
    let names = stacks.get(id);
    if (!names) {
      const parent = parentOf.get(id);
      names = new Set(parent === undefined ? [] : stackOf(parent));
      names.add(nameOf(byId.get(id)!));
      stacks.set(id, names);
    }
    return names;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  const add = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  let at = profile.startTime;
  let samples = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (window && (at < window.fromUs || at > window.toUs)) return;
    samples += 1;
    const node = byId.get(id)!;
    add(self, nameOf(node));
    add(areas, areaOf(node.callFrame.url, node.callFrame.functionName));
    for (const name of stackOf(id)) add(total, name);
  });
  return { samples, self: top(self, count), total: top(total, count), areas: top(areas, count) };
}

/** The summary as three markdown tables, each share a percentage of the window's samples. */
export function profileTables(summary: ProfileSummary): string {
  const share = (entry: ProfileEntry) => ((entry.samples / summary.samples) * 100).toFixed(1);
  const table = (title: string, entries: ProfileEntry[]) =>
    markdownTable(
      [title, 'samples', '%'],
      entries.map((entry) => [entry.name, String(entry.samples), share(entry)]),
    );
  return [
    `${summary.samples} samples`,
    table('self time by area', summary.areas),
    table('self time by function', summary.self),
    table('total time by function', summary.total),
  ].join('\n\n');
}
