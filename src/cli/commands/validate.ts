import { parseArgs } from 'node:util';
import { defaultDataDir } from '../data-dir.ts';
import { checkTemplateArgs, formatCheck, templateOptions } from '../template-args.ts';
import { hintFor } from '../template-hints.ts';
import { outputOptions, printResult } from '../local-output.ts';

export const validateHelp = `Usage: kiln validate TEMPLATE.json [--var NAME=VALUE ...] [--data DIR] [-o text|json|jsonc|yaml|table|tsv] [--query Q]

Checks an image template without building it, as the service would on create: every error at once,
each with its JSON path and a hint, and a warning for each deprecated field. Exit code 1 on errors.
TEMPLATE.json is the template resource ({location, properties, ...}) or an ARM deployment template
holding one (as Azure's samples are); --var fills its <placeholders> and [parameters('...')].

  --var NAME=VALUE  a value for <NAME> or [parameters('NAME')]; repeat for each
  --data DIR        data folder whose regions the template may use (default ${defaultDataDir()})
  -o json           {"valid", "errors": [{code, message, target, hint}], "warnings": [...]}
                    (or yaml, table, tsv; --query picks from it, e.g. --query "errors[].target")

Examples:
  kiln validate ubuntu.json
  kiln validate helloImageTemplateLinux.json --var imageTemplateName=hello --var svclocation=westus \\
      --var subscriptionID=$(kiln account show --query id -o tsv) --var rgName=images`;

export async function validate(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...templateOptions, ...outputOptions },
  });
  const file = positionals[0];
  const check = await checkTemplateArgs(file, values.var, values.data ?? defaultDataDir(), validateHelp);
  if (values.output !== undefined && values.output !== 'text') {
    const errors = check.ok ? [] : check.errors.map((e) => ({ ...e, hint: hintFor(e) }));
    printResult({ valid: check.ok, errors, warnings: check.ok ? check.template.warnings : check.warnings }, values);
  } else {
    console.log(formatCheck(file!, check));
  }
  if (!check.ok) process.exitCode = 1;
}
