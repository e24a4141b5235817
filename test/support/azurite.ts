/**
 * A throwaway Azurite blob service for tests: its own temp folder, a port the OS picks, stopped and
 * removed by `stop()`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Azurite's fixed development account; its key is public, documented by Microsoft. */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Azurite {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const main = path.join(
    path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
    'dist/src/blob/main.js',
  );
  const location = await mkdtemp(path.join(tmpdir(), 'kiln-azurite-'));
  // Port 0 lets the OS pick a free port, which Azurite then prints: no window for another process to
  // take a port probed beforehand. Telemetry is off so tests send nothing anywhere.
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', location];
  const flags = ['--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  const child = spawn(process.execPath, [main, ...args, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(location, { recursive: true, force: true });
  };

  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      );
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${signal ?? code}) before listening:\n${output}`));
      });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (data: string) => {
        output += data;
        // Printed once the HTTP server is listening, so requests are answered from then on.
        const listening = /successfully listens on (http:\/\/\S+)/.exec(output);
        if (listening !== null) {
          clearTimeout(timer);
          resolve(listening[1]);
        }
      });
    });
    // Keep draining stdout so Azurite never blocks on a full pipe.
    child.stdout.removeAllListeners('data').resume();
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${endpoint}/${ACCOUNT};`;
    return { connectionString, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
