// Generates src/domain/shared/properties-since.ts: for each resource type whose answers Kiln shapes by
// api-version (src/domain/shared/version-shape.ts), the properties (JSON paths, `[]` for an array's
// items) that are newer than the oldest api-version Kiln accepts for the type, each with the first
// api-version that has it. Derived from Azure's published OpenAPI specs (Azure/azure-rest-api-specs,
// specification/compute/resource-manager/Microsoft.Compute/{GalleryRP,DiskRP,ComputeRP}/{stable,preview}/<version>/*.json,
// and specification/network/resource-manager/Microsoft.Network/stable/<version>/*.json for the network types),
// read from a git directory of that repository (or of a fork of it) with `git show`, plus the model
// excerpts Kiln's OpenAPI walks keep (test/api/spec-models/) for the newest versions:
//
//   node --import tsx scripts/api-version-shapes.ts GIT_DIR[@REF]...   # writes the module, then prettier
//
// Each source is a git directory of the repository or of a fork, at a ref (HEAD unless told); a version
// folder is read from the first source that has it, so a fork's feature branch can give a version its
// main branch lacked then. The module was made from snapshots of two forks (no full copy of the
// repository could be had here): swathipil/azure-rest-api-specs at its main branch of 2024-07-08 and
// MaNehaKa/azure-rest-api-specs's Microsoft feature branches feature/cplat-2024-03-02 (DiskRP
// 2024-03-02) and feature/cplat-2024-07-01 (ComputeRP 2024-07-01):
//
//   node --import tsx scripts/api-version-shapes.ts /work/.mirror/swathipil+azure-rest-api-specs/repo \
//     /work/.mirror/MaNehaKa+azure-rest-api-specs/repo@feature/cplat-2024-03-02 \
//     /work/.mirror/MaNehaKa+azure-rest-api-specs/repo@feature/cplat-2024-07-01
//
// How a property's first version is found: every version folder the commit has is read, the type's
// model walked from its root definition ($ref across files, allOf, array items; a map's keys are data,
// not walked). The property's run of versions is the longest one that reaches the newest version read
// (a member dropped and added again counts from its return); where versions Kiln accepts lie between
// the last version read without it and the first read with it (a folder the commit lacks, such as a
// version published after it), the earliest of them is taken: an answer that keeps a member the version
// may not have is a smaller departure than one dropping a member it has. A member whose parent is as
// new is left out (the parent goes with it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISK_RP_API_VERSIONS } from '../src/domain/disks/descriptor.ts';
import { GALLERY_RP_API_VERSIONS } from '../src/domain/galleries/descriptor.ts';
import { COMPUTE_RP_API_VERSIONS } from '../src/domain/images/descriptor.ts';
import { NETWORK_API_VERSIONS } from '../src/domain/network/api-versions.ts';

const args = process.argv.slice(2);
if (args.length === 0) throw new Error('usage: api-version-shapes.ts GIT_DIR_OF_AZURE_REST_API_SPECS[@REF]...');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'src/domain/shared/properties-since.ts');
const COMPUTE = 'specification/compute/resource-manager/Microsoft.Compute';
const NETWORK = 'specification/network/resource-manager/Microsoft.Network';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema;
  definitions?: Record<string, Schema>;
};

/** A git directory of the repository at one commit, and the paths of Microsoft.Compute's specs there. */
interface Source {
  gitDir: string;
  commit: string;
  tree: string[];
}

const git = (gitDir: string, ...command: string[]) =>
  execFileSync('git', ['--git-dir', gitDir, ...command], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const SOURCES: Source[] = args.map((arg) => {
  const [gitDir, ref = 'HEAD'] = arg.split('@');
  const commit = git(gitDir, 'rev-parse', ref).trim();
  return { gitDir, commit, tree: git(gitDir, 'ls-tree', '-r', '--name-only', commit, COMPUTE, NETWORK).split('\n') };
});

const files = new Map<string, Schema>();
function specFile(source: Source, path: string): Schema {
  const key = `${source.commit}:${path}`;
  let file = files.get(key);
  if (!file) files.set(key, (file = JSON.parse(git(source.gitDir, 'show', key)) as Schema));
  return file;
}

interface Model {
  /** Where the version's files are (repository paths), or a loaded excerpt. */
  files: string[];
  load(path: string): Schema;
}

/** A version's model from the repository: every non-example file of its folder. */
const repoModel = (source: Source, folder: string): Model => ({
  files: source.tree.filter((p) => p.startsWith(`${folder}/`) && !p.includes('/examples/') && p.endsWith('.json')),
  load: (path) => specFile(source, path),
});

/** An excerpt Kiln keeps (test/api/spec-models/): its definitions in one file, its refs local. */
function excerptModel(...names: string[]): Model {
  const paths = names.map((name) => `test/api/spec-models/${name}.json`);
  return { files: paths, load: (path) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Schema };
}

/**
 * Every member path of `definition` in a version's model (undefined when the version lacks it). With
 * `embeds` (Microsoft.Network's types, whose models reach each other's resources), another resource a
 * member names (a definition `allOf` Resource or SubResource) is cut to the member itself, as Kiln
 * answers such a reference with its id, except at the paths in `embeds`, where the type holds its child
 * resources whole (a network's `properties.subnets[]`).
 */
function memberPaths(model: Model, definition: string, embeds?: readonly string[]): Set<string> | undefined {
  const home = model.files.find((path) => model.load(path).definitions?.[definition]);
  if (!home) return undefined;
  const found = new Set<string>();
  const walk = (schema: Schema, file: string, path: string, seen: string[]) => {
    if (schema.$ref) {
      const [target, pointer] = schema.$ref.split('#');
      const refFile = target ? posix.normalize(posix.join(posix.dirname(file), target)) : file;
      const name = pointer.replace('/definitions/', '');
      const key = `${refFile}#${name}`;
      if (seen.includes(key)) return;
      // A common-types file absent at this commit (or from an excerpt) has only the base resource's members.
      const def = tryLoad(model, refFile)?.definitions?.[name];
      const isResource = (def?.allOf ?? []).some((part) => /\/(Sub)?Resource$/.test(part.$ref ?? ''));
      if (embeds && path !== '' && isResource && !embeds.includes(path)) return;
      if (def) walk(def, refFile, path, [...seen, key]);
    }
    for (const part of schema.allOf ?? []) walk(part, file, path, seen);
    for (const [name, member] of Object.entries(schema.properties ?? {})) {
      const at = path ? `${path}.${name}` : name;
      found.add(at);
      walk(member, file, at, seen);
    }
    if (schema.items) walk(schema.items, file, `${path}[]`, seen);
  };
  walk(model.load(home).definitions![definition], home, '', [`${home}#${definition}`]);
  return found;
}

function tryLoad(model: Model, path: string): Schema | undefined {
  try {
    return model.load(path);
  } catch {
    return undefined;
  }
}

/** The version folders of a provider, each from the first source that has it, oldest first. */
function versionFolders(provider: keyof typeof PROVIDERS): Array<{ version: string; model: Model }> {
  const folders = new Map<string, Source>();
  // Microsoft.Network's versions are its stable folders (the api-versions Kiln accepts for it).
  const pattern =
    provider === 'Network'
      ? new RegExp(`^(${NETWORK}/stable/[^/]+)/[^/]+\\.json$`)
      : new RegExp(`^(${COMPUTE}/${provider}/(?:stable|preview)/[^/]+)/[^/]+\\.json$`);
  for (const source of SOURCES)
    for (const path of source.tree) {
      const folder = pattern.exec(path)?.[1];
      if (folder && !folders.has(folder)) folders.set(folder, source);
    }
  return [...folders]
    .map(([folder, source]) => ({ version: folder.split('/').pop()!, model: repoModel(source, folder) }))
    .sort((a, b) => (a.version < b.version ? -1 : 1));
}

interface TypeSource {
  type: string;
  provider: keyof typeof PROVIDERS;
  definition: string;
  /** Microsoft.Network's: the paths where the type holds other resources whole (memberPaths). */
  embeds?: readonly string[];
  accepted: readonly string[];
  /** The newest model, where Kiln keeps an excerpt of a version later than the commit may have. */
  excerpt: { version: string; model: Model };
}

/** Each provider's accepted versions, and the version and file name prefix of Kiln's excerpts of its newest model. */
const PROVIDERS = {
  GalleryRP: { accepted: GALLERY_RP_API_VERSIONS, newest: '2025-03-03' },
  ComputeRP: { accepted: COMPUTE_RP_API_VERSIONS, newest: '2024-11-01' },
  DiskRP: { accepted: DISK_RP_API_VERSIONS, newest: '2025-01-02' },
  Network: { accepted: NETWORK_API_VERSIONS, newest: '2026-01-01' },
};

/**
 * A type of Microsoft.Compute: its provider, the root definition of its model, and the excerpt
 * (test/api/spec-models/) holding it, of the provider's newest version unless `version` says otherwise.
 */
function typeSource(
  type: string,
  provider: keyof typeof PROVIDERS,
  definition: string,
  excerpt: string,
  version?: string,
): TypeSource {
  const { accepted } = PROVIDERS[provider];
  const newest = version ?? PROVIDERS[provider].newest;
  return {
    type: `Microsoft.Compute/${type}`,
    provider,
    definition,
    accepted,
    excerpt: { version: newest, model: excerptModel(`${provider}-${newest}-${excerpt}`) },
  };
}

/** A type of Microsoft.Network, as `typeSource`, with the paths where it holds child resources whole. */
function networkType(type: string, definition: string, excerpt: string, embeds: string[]): TypeSource {
  return { ...typeSource(type, 'Network', definition, excerpt), type: `Microsoft.Network/${type}`, embeds };
}

const TYPES: TypeSource[] = [
  typeSource('galleries', 'GalleryRP', 'Gallery', 'gallery'),
  typeSource('galleries/images', 'GalleryRP', 'GalleryImage', 'gallery-image'),
  typeSource('galleries/images/versions', 'GalleryRP', 'GalleryImageVersion', 'gallery-image-version'),
  typeSource('images', 'ComputeRP', 'Image', 'image'),
  // The newest ComputeRP model of a VM read in full is 2024-07-01's (the openapi walk's excerpt); later
  // versions add no member Kiln stores (the walk refuses every member it does not keep).
  typeSource('virtualMachines', 'ComputeRP', 'VirtualMachine', 'virtual-machine', '2024-07-01'),
  typeSource('disks', 'DiskRP', 'Disk', 'disk-snapshot'),
  typeSource('snapshots', 'DiskRP', 'Snapshot', 'disk-snapshot'),
  networkType('virtualNetworks', 'VirtualNetwork', 'virtual-network', [
    'properties.subnets[]',
    'properties.virtualNetworkPeerings[]',
  ]),
  networkType('virtualNetworks/subnets', 'Subnet', 'virtual-network', []),
  networkType('networkSecurityGroups', 'NetworkSecurityGroup', 'network-security-group', [
    'properties.securityRules[]',
    'properties.defaultSecurityRules[]',
  ]),
  networkType('networkSecurityGroups/securityRules', 'SecurityRule', 'network-security-group', []),
  networkType('publicIPAddresses', 'PublicIPAddress', 'public-ip-address', []),
  networkType('networkInterfaces', 'NetworkInterface', 'network-interface', ['properties.ipConfigurations[]']),
];

/**
 * A version between the last one a source has and the excerpt's, read by hand from the published
 * files (none of the snapshots that could be fetched here has it): its model is the excerpt's without
 * `lacks`. GalleryRP 2024-03-03: gallery.json at 011f4293633ea0ae8d75fa11fbd42a7e5813941f and
 * galleryRPCommon.json at ba16d1ab3479ee43b0db0da3dbc19cc2306a221e, whose Gallery, GalleryImage and
 * GalleryImageVersion have every member of 2025-03-03's but these (validationsProfile and a feature's
 * startsAtVersion are there).
 */
const READ_BY_HAND: Record<string, { version: string; lacks: Record<string, string[]> }> = {
  GalleryRP: {
    version: '2024-03-03',
    lacks: {
      Gallery: ['identity'],
      GalleryImage: ['properties.allowUpdateImage'],
      GalleryImageVersion: [
        'properties.restore',
        'properties.publishingProfile.storageAccountStrategy',
        'properties.safetyProfile.blockDeletionBeforeEndOfLife',
      ],
    },
  },
};

/**
 * The paths an excerpt leaves out on purpose (its `source` says so: read-only members the walks do
 * not probe) are kept from the versions read: a member the newest model is known to lack is never one
 * an excerpt dropped, so only members missing from the excerpt but present in the last version read
 * are carried over.
 */
function tableOf(source: TypeSource): { since: Record<string, string>; read: string[] } {
  const versions = versionFolders(source.provider)
    .filter(({ version }) => version < source.excerpt.version)
    .map(({ version, model }) => ({ version, paths: memberPaths(model, source.definition, source.embeds) }))
    .filter((v): v is { version: string; paths: Set<string> } => v.paths !== undefined)
    // A version published both as stable and as preview (GalleryRP 2020-09-30) has the members of either.
    .filter((v, i, all) => {
      const earlier = all.findIndex((w) => w.version === v.version);
      if (earlier !== i) for (const path of v.paths) all[earlier].paths.add(path);
      return earlier === i;
    });
  const newest = memberPaths(source.excerpt.model, source.definition, source.embeds)!;
  const lastRead = versions.at(-1)?.paths ?? new Set<string>();
  for (const path of lastRead) if (!newest.has(path)) newest.add(path);
  const byHand = READ_BY_HAND[source.provider];
  if (byHand && !versions.some((v) => v.version === byHand.version)) {
    const lacks = byHand.lacks[source.definition] ?? [];
    const isLacking = (path: string) =>
      lacks.some((m) => path === m || path.startsWith(`${m}.`) || path.startsWith(`${m}[]`));
    versions.push({ version: byHand.version, paths: new Set([...newest].filter((path) => !isLacking(path))) });
  }
  versions.push({ version: source.excerpt.version, paths: newest });

  // Members match case-insensitively, as ARM reads bodies: a member whose spelling changed between
  // versions (a network's `VirtualNetworkPeerings`, a subnet's `applicationGatewayIpConfigurations`)
  // is one member, named as the newest version spells it.
  const spelled = new Map<string, string>();
  for (const version of versions) {
    const lower = new Set<string>();
    for (const path of version.paths) {
      spelled.set(path.toLowerCase(), path);
      lower.add(path.toLowerCase());
    }
    version.paths = lower;
  }
  const since: Record<string, string> = {};
  const all = new Set(versions.flatMap((v) => [...v.paths]));
  for (const path of all) {
    let first = versions.length - 1;
    if (!versions[first].paths.has(path)) first = versions.findIndex((v) => v.paths.has(path));
    else while (first > 0 && versions[first - 1].paths.has(path)) first--;
    if (first === 0) continue;
    const lacking = versions[first - 1].version;
    const earliest = source.accepted.find((v) => v > lacking && v <= versions[first].version);
    if (earliest && earliest > source.accepted[0]) since[spelled.get(path)!] = earliest;
  }
  // A member as new as its parent goes with it.
  const parentOf = (path: string) => path.replace(/(\[\]|\.[^.[\]]+)$/, '');
  for (const path of Object.keys(since)) {
    for (let child = path, parent = parentOf(path); parent !== child; child = parent, parent = parentOf(parent)) {
      if (since[parent] !== undefined && since[parent] >= since[path]) {
        delete since[path];
        break;
      }
    }
  }
  const sorted = Object.fromEntries(Object.entries(since).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { since: sorted, read: versions.map((v) => v.version) };
}

const tables = TYPES.map((source) => ({ source, ...tableOf(source) }));
/** Entries every type of a provider with more than one has alike, written once (disks' and snapshots' creationData). */
const shared: Record<string, Array<[string, string]>> = {};
for (const provider of new Set(TYPES.map((t) => t.provider))) {
  const of = tables.filter((t) => t.source.provider === provider);
  const [first, ...rest] = of;
  const common = Object.entries(first.since).filter(([path, version]) => rest.every((t) => t.since[path] === version));
  if (rest.length > 0 && common.length >= 4) shared[provider] = common;
}
const lines = [
  '/**',
  ' * Generated by scripts/api-version-shapes.ts; do not edit (run it again). For each type Kiln shapes by',
  " * api-version (version-shape.ts), the members newer than the type's oldest accepted api-version, each",
  ' * with the first api-version whose model has it, from Azure/azure-rest-api-specs at',
  ...SOURCES.map((source) => ` * ${source.commit} (${basename(dirname(source.gitDir))}),`),
  ' * and test/api/spec-models/. Versions read:',
  ...tables.map(({ source, read }) => ` *  - ${source.type}: ${read.join(', ')}`),
  ...Object.entries(READ_BY_HAND).map(
    ([provider, { version }]) =>
      ` * (${provider} ${version} read by hand from the published files: the script's READ_BY_HAND.)`,
  ),
  ' * Accepted versions among those with no model read (a member first read after one of them is given',
  ' * the earliest of them, see the script):',
  ...tables.map(({ source, read }) => {
    const unread = source.accepted.filter((v) => v > read[0] && v < read.at(-1)! && !read.includes(v));
    return ` *  - ${source.type}: ${unread.join(', ') || 'none'}`;
  }),
  ' */',
  ...Object.entries(shared).flatMap(([provider, entries]) => [
    '',
    `/** What every type of ${provider} shares (the members of their common definitions). */`,
    `const ${provider.toUpperCase()}_SHARED = {`,
    ...entries.map(([path, version]) => `  '${path}': '${version}',`),
    '};',
  ]),
  '',
  'export const PROPERTIES_SINCE: Readonly<Record<string, Readonly<Record<string, string>>>> = {',
  ...tables.flatMap(({ source, since }) => [
    `  '${source.type}': {`,
    ...(shared[source.provider] ? [`    ...${source.provider.toUpperCase()}_SHARED,`] : []),
    ...Object.entries(since)
      .filter(([path]) => !shared[source.provider]?.some(([common]) => common === path))
      .map(([path, version]) => `    '${path}': '${version}',`),
    '  },',
  ]),
  '};',
  '',
];
writeFileSync(OUT, lines.join('\n'));
execFileSync('npx', ['prettier', '--write', OUT], { cwd: root, stdio: 'inherit' });
console.log(`wrote ${OUT}`);
