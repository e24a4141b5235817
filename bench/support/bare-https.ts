/**
 * Starts and stops the reference server of api.bench.ts (bare-https-main.ts) as a process of its own,
 * so that neither it nor the bench's driver shares an event loop with the other.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./bare-https-main.ts', import.meta.url));

export interface BareHttps {
  /** https://127.0.0.1:<port> */
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

/** `routes`: path with query to the body's text; `workDir` holds the file that hands them over. */
export async function startBareHttps(
  tls: { cert: string; key: string },
  routes: Map<string, string>,
  workDir: string,
): Promise<BareHttps> {
  const routesPath = path.join(workDir, 'bare-routes.json');
  await writeFile(routesPath, JSON.stringify(Object.fromEntries(routes)));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, tls.cert, tls.key, routesPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const listening = /listening on (\d+)\n/.exec(out);
      if (listening) resolve(Number(listening[1]));
    });
    child.once('exit', (code) => reject(new Error(`the bare HTTPS server exited with ${code}: ${out}`)));
  });
  return {
    origin: `https://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
