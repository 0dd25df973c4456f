import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../src/index.js';
import { available, testDatabase } from './helpers/db.js';

const WORKER = fileURLToPath(new URL('./helpers/log-worker.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const WORKERS = 4;
const BATCHES = 60;

function runWorker(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe.runIf(available)('several writer processes on one database', () => {
  let db: MysqlTestDatabase;
  let store: MysqlTrackingStore;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = new MysqlTrackingStore({ uri: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('loses nothing, keeps latest_metrics right and ids unique', async () => {
    const run = await store.createRun({ experimentId: '0' });
    const runId = run.info.runId;
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker([db.url, runId, String(w), String(BATCHES)])));
    for (const r of results) expect(r, r.stderr).toEqual({ code: 0, stderr: '' });

    const shared = (await store.getMetricHistory(runId, 'shared')).items;
    expect(shared).toHaveLength(WORKERS * BATCHES * 5);
    expect(new Set(shared.map((m) => m.step)).size).toBe(WORKERS * BATCHES * 5);
    const full = await store.getRun(runId);
    expect(full.data.params).toHaveLength(WORKERS * BATCHES + 1);
    const latest = full.data.metrics.find((m) => m.key === 'shared')!;
    const maxStep = WORKERS * BATCHES * 5 - 1;
    expect([latest.step, latest.value]).toEqual([maxStep, maxStep + 0.25]);
    for (let w = 0; w < WORKERS; w++) {
      expect((await store.getMetricHistory(runId, `w${w}/own`)).items).toHaveLength(BATCHES);
      expect(full.data.metrics.find((m) => m.key === `w${w}/own`)?.step).toBe(BATCHES - 1);
    }
    const ids = await Promise.all(Array.from({ length: WORKERS }, (_, w) => store.getExperimentByName(`worker-${w}`)));
    expect(new Set(ids.map((e) => e?.experimentId)).size).toBe(WORKERS);
  }, 120_000);
});
