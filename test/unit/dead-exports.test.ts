// No dead code under src/ and web/src/ (the portal): every name a module exports is imported
// somewhere (src, test, scripts, bench; the portal's own files for the portal) or used in its own file. An export nothing uses (the unused `notFound` and `sameName`
// helpers were such) fails here, naming it. Read from the syntax alone, so it takes a few seconds:
// named imports and re-exports count for the name they take; `import * as`, `export *` and
// `import('…')` (the CLI's lazy commands, type queries) count for every export of their module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WHOLE_MODULE = '*';

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter(
      (name) =>
        /\.(ts|mts|tsx)$/.test(name) && !name.endsWith('.d.ts') && !name.split(path.sep).includes('node_modules'),
    )
    .map((name) => path.join(root, folder, name));
}

const parse = (file: string) =>
  ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
    file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );

const hasExport = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names a module declares with `export`, each with its declaring identifier. */
function exportedNames(source: ts.SourceFile): Map<string, ts.Node> {
  const names = new Map<string, ts.Node>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && hasExport(statement)) {
      for (const declaration of statement.declarationList.declarations)
        if (ts.isIdentifier(declaration.name)) names.set(declaration.name.text, declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      hasExport(statement) &&
      statement.name
    ) {
      names.set(statement.name.text, statement.name);
    }
  }
  return names;
}

/** Every `module path → names taken from it` that the files' imports, re-exports and import expressions name. */
function importedNames(files: string[]): Map<string, Set<string>> {
  const taken = new Map<string, Set<string>>();
  const take = (from: string, specifier: string, name: string) => {
    if (!specifier.startsWith('.')) return;
    const target = path.resolve(path.dirname(from), specifier);
    if (!taken.has(target)) taken.set(target, new Set());
    taken.get(target)!.add(name);
  };
  for (const file of files) {
    const source = parse(file);
    const visit = (node: ts.Node): void => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const specifier = node.moduleSpecifier.text;
        const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
        if (ts.isImportDeclaration(node) && node.importClause?.name) take(file, specifier, 'default');
        if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
          for (const element of bindings.elements) take(file, specifier, (element.propertyName ?? element.name).text);
        } else if (bindings || ts.isExportDeclaration(node)) {
          take(file, specifier, WHOLE_MODULE);
        }
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        take(file, node.arguments[0].text, WHOLE_MODULE);
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        take(file, node.argument.literal.text, WHOLE_MODULE);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return taken;
}

/** Whether `name` appears in `source` other than where it is declared. */
function usedInOwnFile(source: ts.SourceFile, name: string, declaration: ts.Node): boolean {
  let used = false;
  const visit = (node: ts.Node): void => {
    if (used) return;
    if (ts.isIdentifier(node) && node.text === name && node !== declaration) used = true;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return used;
}

/** `module: name` for each export of `modules` that none of `importers` takes and its own file does not use. */
function deadExports(modules: string[], importers: string[]): string[] {
  const taken = importedNames(importers);
  const dead: string[] = [];
  for (const file of modules) {
    const source = parse(file);
    const takenHere = taken.get(file) ?? new Set();
    if (takenHere.has(WHOLE_MODULE)) continue;
    for (const [name, declaration] of exportedNames(source)) {
      if (!takenHere.has(name) && !usedInOwnFile(source, name, declaration))
        dead.push(`${path.relative(root, file)}: ${name}`);
    }
  }
  return dead;
}

it('every export under src/ is imported somewhere or used in its own file', () => {
  const modules = sourceFiles('src');
  const dead = deadExports(modules, [...modules, ...['test', 'scripts', 'bench'].flatMap(sourceFiles)]);
  assert.ok(modules.length > 100, `found the sources (${modules.length} files)`);
  assert.deepEqual(dead, [], `exported, and used nowhere: remove them\n${dead.join('\n')}`);
});

it("every export of the portal (web/src/) is imported by the portal's files or used in its own", () => {
  const modules = sourceFiles('web/src');
  const dead = deadExports(modules, modules);
  assert.ok(modules.length > 30, `found the sources (${modules.length} files)`);
  assert.deepEqual(dead, [], `exported, and used nowhere: remove them\n${dead.join('\n')}`);
});
