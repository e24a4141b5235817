import { ArmError } from '../core/arm-error.ts';
import { azureCommands, azureHelp } from './commands/azure.ts';

const help = `Usage: kiln <command> [options]

Build on this machine (no server):
  validate         check an image template: every error with its JSON path and a hint
  build            build an image template here, with live step output

Commands:
  serve            serve the ARM-compatible API (HTTPS)
  sp create        create a service principal
  keys rotate      rotate the token signing key (every server on the store follows)
  platform-image   import, list and delete the images PlatformImage sources resolve to (offline, or --server)

Azure CLI-shaped commands, against a running Kiln server (start with 'kiln login'):
${azureHelp}

Run 'kiln <command> --help' for a command's options and examples.

Examples:
  kiln serve --data ./kiln-data --port 8443
  kiln login --server https://127.0.0.1:8443 --service-principal -u APP_ID -p SECRET --tenant TENANT --ca-cert ./kiln-data/tls/ca.pem
  kiln group create -n MyResourceGroup -l westus`;

/** [run, help, whether it prints its own help (the Azure CLI-shaped groups have help per subcommand)] */
type Entry = [(argv: string[]) => Promise<void>, string, ownHelp?: boolean];
/** Each command's module loads when it is used, so `kiln group list` does not load the server. */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Entry) =>
  async () =>
    pick(await load());

const commands: Record<string, () => Promise<Entry>> = {
  validate: lazy(
    () => import('./commands/validate.ts'),
    (m) => [m.validate, m.validateHelp],
  ),
  build: lazy(
    () => import('./commands/build.ts'),
    (m) => [m.build, m.buildHelp],
  ),
  serve: lazy(
    () => import('./commands/serve.ts'),
    (m) => [m.serve, m.serveHelp],
  ),
  sp: lazy(
    () => import('./commands/sp.ts'),
    (m) => [m.sp, m.spHelp],
  ),
  keys: lazy(
    () => import('./commands/keys.ts'),
    (m) => [m.keys, m.keysHelp],
  ),
  'platform-image': lazy(
    () => import('./commands/platform-image.ts'),
    (m) => [m.platformImage, m.platformImageHelp],
  ),
  ...azureCommands,
};

const [name, ...argv] = process.argv.slice(2);
const command = name && Object.hasOwn(commands, name) ? await commands[name]() : undefined;
if (!command || (!command[2] && (argv.includes('--help') || argv.includes('-h')))) {
  console.log(command ? command[1] : help);
  process.exitCode = name && !command && name !== '--help' && name !== '-h' ? 2 : 0;
} else {
  try {
    await command[0](argv);
  } catch (error) {
    // ARM errors print as az prints them: (Code) Message.
    console.error(`kiln: ${error instanceof ArmError ? `(${error.code}) ` : ''}${(error as Error).message}`);
    process.exitCode = 1;
  }
}
