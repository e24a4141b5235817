import { serve, serveHelp } from './commands/serve.ts';
import { sp, spHelp } from './commands/sp.ts';
import { platformImage, platformImageHelp } from './commands/platform-image.ts';

const help = `Usage: kiln <command> [options]

Commands:
  serve            serve the ARM-compatible API (HTTPS)
  sp create        create a service principal
  platform-image   import and list the images PlatformImage sources resolve to

Run 'kiln <command> --help' for a command's options and examples.

Example:
  kiln serve --data ./kiln-data --port 8443`;

const commands: Record<string, [(argv: string[]) => Promise<void>, string]> = {
  serve: [serve, serveHelp],
  sp: [sp, spHelp],
  'platform-image': [platformImage, platformImageHelp],
};

const [name, ...argv] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command || argv.includes('--help') || argv.includes('-h')) {
  console.log(command ? command[1] : help);
  process.exitCode = name && !command && name !== '--help' && name !== '-h' ? 2 : 0;
} else {
  try {
    await command[0](argv);
  } catch (error) {
    console.error(`kiln: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
