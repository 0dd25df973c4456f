import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTrackingStore } from '../src/index.js';
import { spawnWorker } from './helpers/spawn-worker.js';
import { removeTempRoots, tempRoot, warnings } from './helpers/temp-root.js';

const ROUNDS = 5;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the worker');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a process killed while logging', () => {
  afterAll(removeTempRoots);

  it('leaves a store that opens with every acknowledged point, repeatedly', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = new FileTrackingStore({ root });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    const acked = new Map<number, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const worker = spawnWorker(['crash', root, runId, String(round), '0']);
      // Kill at a different moment each round.
      const target = 20 + round * 17;
      await waitFor(() => worker.lines.filter((l) => l.startsWith('ack ')).length >= target || worker.child.exitCode !== null, 60_000);
      worker.child.kill('SIGKILL');
      await worker.exited;
      expect(worker.stderr.join('')).not.toMatch(/Error/);
      acked.set(
        round,
        worker.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))),
      );

      const w = warnings();
      const reader = new FileTrackingStore({ root, onWarning: w.onWarning });
      const run = await reader.getRun(runId);
      expect(run.info.runId).toBe(runId);
      const steps = new Set((await reader.getMetricHistory(runId, 'loss')).items.map((m) => m.step));
      const nested = new Set((await reader.getMetricHistory(runId, 'nested/acc')).items.map((m) => m.step));
      const params = new Set(run.data.params.map((p) => p.key));
      for (const [r, acks] of acked) {
        expect(acks.length).toBeGreaterThan(0);
        for (const i of acks) {
          expect(steps.has(r * 1_000_000 + i)).toBe(true);
          expect(nested.has(r * 1_000_000 + i)).toBe(true);
          expect(params.has(`p${r}_${i}`)).toBe(true);
        }
      }
      // Temp files of a write cut short never show up as keys.
      for (const t of run.data.tags) expect(t.key.startsWith('.lbtmp-')).toBe(false);
      expect(run.data.tags.find((t) => t.key === 'progress')?.value).toMatch(/^(\d+:\d+)+$/);
    }
  }, 180_000);

  it('ignores a half-written last line with a warning and repairs it before the next append', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = new FileTrackingStore({ root });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    await store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    const file = join(root, '0', runId, 'metrics', 'm');
    appendFileSync(file, '2 0.');
    // A stray temp file from a killed atomic write.
    writeFileSync(join(root, '0', runId, 'tags', '.lbtmp-999-abc-note'), 'half');

    const w = warnings();
    const reader = new FileTrackingStore({ root, onWarning: w.onWarning });
    expect((await reader.getMetricHistory(runId, 'm')).items.map((m) => m.value)).toEqual([1]);
    expect(w.list.some((m) => m.includes('incomplete last line'))).toBe(true);
    expect((await reader.getRun(runId)).data.tags.map((t) => t.key)).toEqual(['mlflow.runName']);

    await reader.logBatch(runId, { metrics: [{ key: 'm', value: 3, timestamp: 3, step: 1 }] });
    expect(w.list.some((m) => m.includes('removed an incomplete last line'))).toBe(true);
    const again = warnings();
    const fresh = new FileTrackingStore({ root, onWarning: again.onWarning });
    expect((await fresh.getMetricHistory(runId, 'm')).items.map((m) => m.value)).toEqual([1, 3]);
    expect(again.list).toEqual([]);
    expect(readdirSync(join(root, '0', runId, 'metrics'))).toEqual(['m']);
  });

  it('cleans temp files whose writer is gone and that are older than a minute', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = new FileTrackingStore({ root });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = join(root, '0', runId, 'tags', `.lbtmp-${deadPid}-abc-note`);
    const recent = join(root, '0', runId, 'tags', `.lbtmp-${deadPid}-def-note`);
    const mine = join(root, '0', runId, 'tags', `.lbtmp-${process.pid}-ghi-note`);
    for (const p of [stale, recent, mine]) writeFileSync(p, 'half');
    const old = new Date(Date.now() - 120_000);
    utimesSync(stale, old, old);
    utimesSync(mine, old, old);
    const w = warnings();
    const reader = new FileTrackingStore({ root, onWarning: w.onWarning });
    expect((await reader.getRun(runId)).data.tags.map((t) => t.key)).toEqual(['mlflow.runName']);
    expect([existsSync(stale), existsSync(recent), existsSync(mine)]).toEqual([false, true, true]);
    expect(w.list.some((m) => m.includes('removed a temp file'))).toBe(true);
  });
});
