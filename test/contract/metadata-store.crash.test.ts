/**
 * Kills a writer process with SIGKILL mid-loop and checks that every batch it applied is either
 * wholly visible or not at all, and that the store still opens and accepts writes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgresMetadataStore } from '../../src/adapters/postgres-metadata-store.ts';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';
import { COUNTER_KEYS, ITEM_KIND, batch, counter } from './fixtures/crash-writer.ts';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

/** When to SIGKILL the writer: the first kill may land while it is still creating the schema. */
const KILLS = [
  { afterReady: false, delayMs: 120 },
  { afterReady: true, delayMs: 0 },
  { afterReady: true, delayMs: 15 },
  { afterReady: true, delayMs: 80 },
  { afterReady: true, delayMs: 300 },
];

async function runAndKill(args: string[], kill: (typeof KILLS)[number]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  if (kill.afterReady) {
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await Promise.race([once(lines, 'line'), exited])) as unknown[];
    assert.equal(line, 'ready', 'writer exited before it was ready');
  }
  await new Promise((resolve) => setTimeout(resolve, kill.delayMs));
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `writer exited on its own with code ${code}`);
}

/** Returns the number of batches visible after checking they all landed whole. */
async function assertWholeBatches(store: MetadataStore): Promise<number> {
  const [a, b] = await Promise.all(COUNTER_KEYS.map((key) => store.get<{ n: number }>(key)));
  assert.deepEqual(a?.data, b?.data, 'counters disagree');
  const n = await counter(store);
  const items = await store.list<{ n: number }>({ kind: ITEM_KIND, limit: n + 10 });
  assert.deepEqual(
    items.map((item) => item.data.n),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  return n;
}

function describeCrashes(name: string, writerArgs: string[], open: () => Promise<MetadataStore>): void {
  it(`${name}: every batch survives a SIGKILL whole or not at all`, async () => {
    let committed = 0;
    for (const kill of KILLS) {
      await runAndKill(writerArgs, kill);
      const store = await open();
      try {
        committed = await assertWholeBatches(store);
        await store.apply(batch(++committed));
        assert.equal(await assertWholeBatches(store), committed);
      } finally {
        await store.close();
      }
    }
    assert.ok(committed > KILLS.length, `the writer committed nothing (${committed})`);
  });
}

describe('metadata store crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-crash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'metadata.db');
  describeCrashes('sqlite', ['sqlite', path], () => openSqliteMetadataStore(path));

  const url = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `kiln_crash_${process.pid}_${Date.now()}`;
  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  describeCrashes('postgres', ['postgres', url, schema], () => openPostgresMetadataStore(url, { schema }));
});
