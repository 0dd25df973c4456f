import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteTrackingStore } from '../src/index.js';
import { tempFolder } from './helpers/files.js';

const WORKER = fileURLToPath(new URL('./helpers/log-worker.ts', import.meta.url));
const NO_CLOSE = fileURLToPath(new URL('./helpers/no-close.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const WORKERS = 2;
const BATCHES = 40;
const ROUNDS = 10;

const folder = tempFolder();
afterAll(() => folder.remove());

function runChild(
  script: string,
  args: string[],
  limitMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe('several processes on one file', () => {
  it('lose nothing, keep latest_metrics right and ids unique, 10 rounds in a row', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const uri = folder.uri(`shared-${round}.db`);
      const store = new SqliteTrackingStore({ uri });
      try {
        const runId = (await store.createRun({ experimentId: '0' })).info.runId;
        const results = await Promise.all(
          Array.from({ length: WORKERS }, (_, w) => runChild(WORKER, [uri, runId, String(w), String(BATCHES)])),
        );
        for (const r of results) expect({ code: r.code, stderr: r.stderr }, `round ${round}`).toEqual({ code: 0, stderr: '' });
        const shared = (await store.getMetricHistory(runId, 'shared')).items;
        expect(shared).toHaveLength(WORKERS * BATCHES * 5);
        const full = await store.getRun(runId);
        expect(full.data.params).toHaveLength(WORKERS * BATCHES + 1);
        const maxStep = WORKERS * BATCHES * 5 - 1;
        const latest = full.data.metrics.find((m) => m.key === 'shared')!;
        expect([latest.step, latest.value]).toEqual([maxStep, maxStep + 0.25]);
        for (let w = 0; w < WORKERS; w++) expect((await store.getMetricHistory(runId, `w${w}/own`)).items).toHaveLength(BATCHES);
        const ids = await Promise.all(Array.from({ length: WORKERS }, (_, w) => store.getExperimentByName(`worker-${w}`)));
        expect(new Set(ids.map((e) => e?.experimentId)).size).toBe(WORKERS);
      } finally {
        await store.close();
      }
    }
  }, 600_000);
});

describe('a script that never calls close()', () => {
  it('exits by itself, its run written', async () => {
    const uri = folder.uri('no-close.db');
    const r = await runChild(NO_CLOSE, [uri], 20_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const runId = r.stdout.trim();
    const store = new SqliteTrackingStore({ uri });
    expect((await store.getRun(runId)).data.metrics.map((m) => m.key)).toEqual(['loss']);
    await store.close();
  }, 30_000);
});
