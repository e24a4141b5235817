// The layer rule: eslint.config.js lets each folder under src/ import exactly the layers that
// ARCHITECTURE.md's table says it may, and nothing else under src/. For every layer, a probe file
// (linted in memory by ESLint's lintText: nothing is written into src/) imports every other layer
// and a folder no row names; the lint must report each import the table does not allow, and only
// those. The table is read from ARCHITECTURE.md, not from the lint config, so a layer's rule
// removed or widened in eslint.config.js, or a row changed in one place only, fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });
const RULE = 'kiln/layers';
// A folder with no row in the table: every layer's allow-list must leave it out.
const UNLISTED = 'layer-probe-unlisted';

interface Layer {
  name: string;
  folder: string;
  mayImport: string[];
}

/** ARCHITECTURE.md's "layer | folder | what it holds | may import" table. */
function layerTable(): Layer[] {
  const lines = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\| layer \| folder \|.*\| may import \|$/.test(line));
  assert.notEqual(header, -1, 'ARCHITECTURE.md has the table "layer | folder | ... | may import"');
  const rows = lines.slice(header + 2);
  return rows
    .slice(
      0,
      rows.findIndex((line) => !line.startsWith('|')),
    )
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const [name, folderCell, mayImportCell] = [cells[1], cells[2], cells.at(-2)!];
      const folder = /^`src\/([^/`]+)\//.exec(folderCell)?.[1];
      assert.ok(folder, `ARCHITECTURE.md's row "${name}" names its folder as src/<folder>/`);
      return { name, folder, mayImport: mayImportCell === 'nothing of ours' ? [] : mayImportCell.split(/,\s*/) };
    });
}

const layers = layerTable();

/** The lint rule's messages for `code` linted as if it were the file `file` (relative to the repo). */
async function layerReports(code: string, file: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  assert.deepEqual(
    result.messages.filter((message) => message.fatal),
    [],
    `${file} parses`,
  );
  return result.messages.filter((message) => message.ruleId === RULE);
}

it('names only layers that have a row, and has a row for every folder under src/', () => {
  const names = layers.map((layer) => layer.name);
  for (const layer of layers) {
    for (const imported of layer.mayImport) {
      assert.ok(names.includes(imported), `${layer.name} may import "${imported}", which has no row`);
    }
  }
  const folders = readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((entry) => entry.isDirectory());
  assert.deepEqual(
    folders.map((entry) => entry.name).sort(),
    layers.map((layer) => layer.folder).sort(),
    'every folder under src/ is a layer of ARCHITECTURE.md',
  );
});

for (const layer of layers) {
  it(`lets ${layer.name} import only ${layer.mayImport.join(', ') || 'itself'}`, async () => {
    // From a subfolder, so the rule must resolve `../../` rather than match how a path is spelled.
    const targets = [...layers.filter((other) => other !== layer).map((other) => other.folder), UNLISTED];
    const imports = targets.map((folder) => `import '../../${folder}/probe.ts';`);
    const code = [`import { own } from '../own.ts';`, ...imports, 'export { own };'];
    const reports = await layerReports(code.join('\n'), `src/${layer.folder}/probe/layer-probe.ts`);
    const reported = reports.map((report) => targets[report.line - 2]).sort();
    const allowed = layers.filter((other) => layer.mayImport.includes(other.name)).map((other) => other.folder);
    const forbidden = targets.filter((folder) => !allowed.includes(folder)).sort();
    assert.deepEqual(reported, forbidden, `${layer.name}: reported are exactly the imports its row does not allow`);
    for (const report of reports) assert.match(report.message, new RegExp(`^${layer.folder} may import `));
  });
}

it('checks every import form, types included', async () => {
  const folderOf = (name: string) => layers.find((layer) => layer.name === name)!.folder;
  const [inner, outer] = [folderOf('domain'), folderOf('http')];
  const forms = [
    `import type { Route } from '../${outer}/route.ts';`,
    `export { route } from '../${outer}/route.ts';`,
    `export * from '../${outer}/route.ts';`,
    `export const load = () => import('../${outer}/route.ts');`,
    `export type Loaded = typeof import('../${outer}/route.ts');`,
    `import route = require('../${outer}/route.ts');`,
  ];
  const reports = await layerReports(forms.join('\n'), `src/${inner}/layer-probe.ts`);
  assert.deepEqual(
    reports.map((report) => forms[report.line - 1]),
    forms,
  );
});

it('fails a file in a folder with no row, or directly in src/', async () => {
  for (const file of [`src/${UNLISTED}/probe.ts`, 'src/layer-probe.ts']) {
    const reports = await layerReports('export const probe = 1;\n', file);
    assert.equal(reports.length, 1, `${file} is reported`);
    assert.match(reports[0].message, /is in no layer: give src\/.*\/ a row in LAYERS \(eslint\.config\.js\)/);
  }
});

it('leaves test/, bench/ and scripts/ free to import any layer', async () => {
  const code = layers.map((layer) => `import '../src/${layer.folder}/probe.ts';`).join('\n');
  for (const folder of ['test', 'bench', 'scripts']) {
    assert.deepEqual(await layerReports(code, `${folder}/layer-probe.ts`), [], `${folder}/ imports any layer`);
  }
});

it("shows ARCHITECTURE.md's layer picture in the README", () => {
  const picture = (file: string, after: string) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    return /```\n([\s\S]*?)```/.exec(text.slice(text.indexOf(after)))?.[1];
  };
  const architecture = picture('ARCHITECTURE.md', '# ');
  assert.ok(architecture?.includes('cli ─► app'), 'ARCHITECTURE.md opens with the layer picture');
  assert.equal(picture('README.md', '## Architecture\n'), architecture);
});
