import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLocalBuild, type LocalBuildResult } from '../../app/local-build.ts';
import { BuildProgress } from '../build-progress.ts';
import { defaultDataDir } from '../data-dir.ts';
import { checkTemplateArgs, formatCheck, templateOptions } from '../template-args.ts';

export const buildHelp = `Usage: kiln build TEMPLATE.json [--var NAME=VALUE ...] [--name NAME] [-g GROUP] [--data DIR]
                  [--output-dir DIR] [--output-format vhd|raw] [--on-error cleanup|abort] [--boot-check]
                  [--quiet]

Builds an image template on this machine, no server needed: the same pipeline as the service
(source, customizers in a sandbox, generalize, distribute), over the embedded stores of a data
folder. Each step shows live with its time and its own output beneath; at the end, the run outputs
(VHD files, image and gallery version ids) and the total time. Ctrl-C cancels the build and cleans up.

  --var NAME=VALUE    fills <NAME> placeholders and [parameters('NAME')]; repeat for each
  --name NAME         the template's name (default: the name in the file, else the file's name)
  -g, --resource-group GROUP
                      resource group the template goes in (default kiln-local; created if missing,
                      like the groups, galleries and image definitions the template distributes to)
  --data DIR          data folder (default ${defaultDataDir()}); a 'kiln serve' on the same folder
                      shows the results, but cannot run at the same time
  --output-dir DIR    where VHD run outputs are written, as RUN_OUTPUT_NAME.vhd (default ./output-NAME),
                      sparse: the files are yours to boot or change; the data folder keeps its own
  --output-format raw write them as raw disks (RUN_OUTPUT_NAME.raw, no VHD footer) instead
  --on-error abort    keep the working disk when a customizer fails, and print how to open a shell
                      in it as the failed step left it (default: cleanup)
  --boot-check        boot the built image (QEMU, no network, its writes thrown away) and fail unless
                      its serial console shows a login prompt within build.bootCheckTimeoutSeconds
                      (default 300); on by default with build.bootCheck in config.json
  --quiet             step lines only, without the steps' output

Examples:
  kiln build web.json
  kiln build helloImageTemplateLinux.json --var imageTemplateName=hello --var svclocation=westus
  kiln build web.json --on-error abort --data ./kiln-data`;

export async function build(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...templateOptions,
      name: { type: 'string' },
      'resource-group': { type: 'string', short: 'g' },
      'on-error': { type: 'string' },
      'output-dir': { type: 'string' },
      'output-format': { type: 'string', default: 'vhd' },
      'boot-check': { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  const onError = values['on-error'] ?? 'cleanup';
  if (onError !== 'cleanup' && onError !== 'abort')
    throw new Error(`--on-error must be cleanup or abort, not '${onError}'`);
  const outputFormat = values['output-format'];
  if (outputFormat !== 'vhd' && outputFormat !== 'raw')
    throw new Error(`--output-format must be vhd or raw, not '${outputFormat}'`);
  const dataDir = values.data ?? defaultDataDir();
  const file = positionals[0];
  const check = await checkTemplateArgs(file, values.var, dataDir, buildHelp);
  if (!check.ok) {
    console.error(formatCheck(file!, check));
    process.exitCode = 1;
    return;
  }
  const name = values.name ?? check.template.name ?? basename(file!, extname(file!)).replace(/[^A-Za-z0-9._-]/g, '-');
  const group = values['resource-group'] ?? 'kiln-local';
  const progress = new BuildProgress({
    quiet: values.quiet ?? false,
    tty: process.stdout.isTTY === true,
    write: (text) => process.stdout.write(text),
  });
  for (const warning of check.template.warnings) progress.note(`warning: ${warning.target}: ${warning.message}`);
  console.log(`Building image template ${name} (${check.template.location}) in ${dataDir}`);

  const cancel = new AbortController();
  const onSigint = () => {
    if (cancel.signal.aborted) return progress.note('still canceling: cleaning up what the build made');
    progress.note('canceling (Ctrl-C): cleaning up');
    cancel.abort();
  };
  process.on('SIGINT', onSigint);
  const started = Date.now();
  let result: LocalBuildResult;
  try {
    result = await runLocalBuild({
      dataDir,
      resourceGroup: group,
      name,
      body: check.template.body,
      onError,
      outputDir: resolve(values['output-dir'] ?? `output-${name}`),
      outputFormat,
      signal: cancel.signal,
      onLog: (line) => progress.logLine(line),
      onNote: (text) => progress.note(text),
      bootCheck: values['boot-check'],
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  console.log(summary(result, (Date.now() - started) / 1000));
  if (result.runState === 'Canceled') process.exitCode = 130;
  else if (result.runState !== 'Succeeded') process.exitCode = 1;
}

function summary(result: LocalBuildResult, seconds: number): string {
  const lines = [`\nRun ${result.runState} in ${seconds.toFixed(1)} s: ${result.templateId}`];
  if (result.message) lines.push(...result.message.split('\n').map((line) => `  ${line}`));
  for (const output of result.outputs) {
    lines.push(
      `  run output ${output.name} (${output.provisioningState}): ${output.path ?? output.artifactId ?? output.artifactUri}`,
    );
    const checked = output.kilnBootCheck;
    if (checked)
      lines.push(
        `    boot check: login prompt after ${checked.bootTimeInSeconds} s (${checked.accelerator}, ${checked.firmware === 'uefi' ? 'UEFI' : 'BIOS'})` +
          (checked.serialLogUri ? `; serial console: ${checked.serialLogUri}` : ''),
      );
    if (output.path)
      lines.push(
        output.path.endsWith('.raw')
          ? `    look inside: qemu-img info -f raw ${output.path}`
          : `    look inside: qemu-img info --image-opts driver=vpc,force_size_calc=current_size,file.filename=${output.path}`,
      );
  }
  if (result.kept) {
    const { disk, rootOffset, work } = result.kept;
    const root = `${work}/root`;
    lines.push(
      `\nThe working disk is kept (--on-error abort): ${disk} (root file system at byte ${rootOffset})`,
      `Look inside it without mounting: debugfs -R 'ls -l /' '${disk}?offset=${rootOffset}'`,
      `Or open a shell in it as the failed step left it (as root; fuse2fs serves it, as during the build):`,
      `  mkdir -p ${root} && fuse2fs -o offset=${rootOffset} ${disk} ${root}`,
      `  bwrap --bind ${root} / --dev /dev --proc /proc --unshare-all --die-with-parent /bin/sh`,
      `  umount ${root}`,
      `When done, remove it: umount ${work}/space && rm -rf ${work}`,
    );
  }
  return lines.join('\n');
}
