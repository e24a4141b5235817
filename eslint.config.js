// Lint: typescript-eslint's recommended rules plus the layer rule of ARCHITECTURE.md.
// The layers, outermost first (ARCHITECTURE.md has the picture and the table):
//   cli ─► app ─► jobs, http, adapters ─► imaging, domain ─► ports ─► core
// LAYERS is that table as an allow-list: each folder under src/ lists the layers it may import,
// and any other import of a file under src/ is an error. A file in a folder that has no row is an
// error too, so a new layer gets its rule before its code. test/, bench/ and scripts/ are not
// layers: they may import any of them. test/unit/layers.test.ts lints a probe import from every
// layer into every other and checks the outcome against ARCHITECTURE.md's table.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const LAYERS = {
  core: { mayImport: [], why: 'core is pure helpers' },
  ports: { mayImport: ['core'], why: 'ports are interfaces only' },
  domain: { mayImport: ['core', 'ports'], why: 'the domain never knows how it is stored, served or built' },
  imaging: { mayImport: ['core', 'ports'], why: 'the imaging pipeline runs steps on disks, knowing no ARM resource' },
  jobs: { mayImport: ['core', 'ports', 'domain', 'imaging'], why: 'jobs join domain work to the imaging pipeline' },
  adapters: { mayImport: ['core', 'ports'], why: 'adapters implement ports only' },
  http: { mayImport: ['core', 'ports', 'domain'], why: 'http serves the domain; long work runs as jobs' },
  app: {
    mayImport: ['core', 'ports', 'domain', 'imaging', 'jobs', 'adapters', 'http'],
    why: 'the composition root is used by the CLI, not the reverse',
  },
  cli: { mayImport: ['app', 'core'], why: 'the CLI goes through src/app' },
};

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, 'src');

/** The folder under src/ that holds `file`; '' for a file directly in src/, undefined outside src/. */
function folderOf(file) {
  const relative = path.relative(src, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : '';
}

// Resolves each relative import to its folder, so `../../domain/x.ts` and `./domain/x.ts` are told
// apart by where they land rather than by how the path is spelled.
const layerRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const own = folderOf(context.filename);
    const layer = LAYERS[own];
    if (!layer) {
      const file = path.relative(root, context.filename);
      const row = `give src/${own || '<layer>'}/ a row in LAYERS (eslint.config.js) and in ARCHITECTURE.md's table`;
      return { Program: (node) => context.report({ node, message: `${file} is in no layer: ${row}` }) };
    }
    const check = (node) => {
      const specifier = node?.type === 'TSLiteralType' ? node.literal.value : node?.value;
      if (typeof specifier !== 'string' || !(specifier.startsWith('.') || path.isAbsolute(specifier))) return;
      const imported = path.resolve(path.dirname(context.filename), specifier);
      const target = folderOf(imported);
      if (target === undefined || target === own || layer.mayImport.includes(target)) return;
      const allowed = layer.mayImport.length ? `only ${layer.mayImport.join(', ')}` : 'nothing else under src/';
      const file = path.relative(root, imported);
      const what = target ? `${target} (${file})` : `${file}, which is in no layer`;
      context.report({ node, message: `${own} may import ${allowed}, not ${what}: ${layer.why}` });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument),
      TSExternalModuleReference: (node) => check(node.expression),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // The portal (web/) runs in the browser and talks to Kiln only over its HTTP API: of src/ it may import
  // only core's pure helpers (one list of disk SKUs for server, CLI and portal), which Vite bundles.
  {
    files: ['web/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Everything the portal shows (names, tags, build logs) is data from users: React renders it as text, always.
      'no-restricted-syntax': [
        'error',
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'the portal renders API data as text only (SECURITY.md, the portal)',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!core/)',
              message: 'web/ calls Kiln over its API; of src/ it imports only core helpers',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**'],
    plugins: { kiln: { rules: { layers: layerRule } } },
    rules: { 'kiln/layers': 'error' },
  },
);
