/**
 * Benchmark of the file store (`@labbook/plugin-file`), run from the repo root with
 *   pnpm --filter @labbook/tests exec tsx bench/file-store.ts
 * Prints logging throughput (logBatch and the fluent API), search latency over 1,000 and 10,000 runs
 * (cold = new store instance, so its in-process cache is empty; the OS page cache stays warm; warm =
 * repeated), metric history read for 1,000,000 points, and, in the same run, a naive baseline that
 * reads every run's folder on every search the way MLflow's FileStore does, with the ratio.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { endRun, flush, logMetric, type Metric, registerPlugin, type Run, searchRunsInMemory, setTrackingUri, startRun } from '@labbook/core';
import YAML from 'yaml';
import { FileTrackingStore, plugin } from '../../plugins/file/src/index.js';

const base = mkdtempSync(join(tmpdir(), 'labbook-bench-'));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function benchLogging(): Promise<void> {
  const root = join(base, 'logging');
  const store = new FileTrackingStore({ root });
  const run = await store.createRun({ experimentId: '0' });
  const batches = 200;
  const perBatch = 1000;
  const [t] = await time(async () => {
    for (let b = 0; b < batches; b++) {
      const metrics: Metric[] = [];
      for (let i = 0; i < perBatch; i++) metrics.push({ key: `m${i % 10}`, value: Math.random(), timestamp: Date.now(), step: b * 100 + (i >> 4) });
      await store.logBatch(run.info.runId, { metrics });
    }
  });
  console.log(`logBatch (1000 metrics/batch, 10 keys): ${fmt((batches * perBatch) / (t / 1000))} points/s`);

  const singles = 5000;
  const [t1] = await time(async () => {
    for (let i = 0; i < singles; i++) {
      await store.logBatch(run.info.runId, { metrics: [{ key: 'single', value: i, timestamp: Date.now(), step: i }] });
    }
  });
  console.log(`logBatch of 1 metric per call (awaited, ${fmt(singles)} calls): ${fmt(singles / (t1 / 1000))} points/s`);

  registerPlugin(plugin);
  setTrackingUri(join(base, 'fluent'));
  await startRun();
  const n = 100_000;
  const [t2] = await time(async () => {
    for (let i = 0; i < n; i++) logMetric(`f${i % 10}`, i, { step: i });
    await flush();
  });
  await endRun();
  console.log(`fluent logMetric (${fmt(n)} calls + flush, core's batched queue): ${fmt(n / (t2 / 1000))} points/s`);
}

async function populate(store: FileTrackingStore, experimentId: string, runs: number): Promise<void> {
  for (let r = 0; r < runs; r++) {
    const run = await store.createRun({ experimentId, startTime: 1_700_000_000_000 + r });
    const metrics: Metric[] = [];
    for (let s = 0; s < 5; s++) {
      metrics.push({ key: 'loss', value: Math.random(), timestamp: 1_700_000_000_000 + s, step: s });
      metrics.push({ key: 'acc', value: Math.random(), timestamp: 1_700_000_000_000 + s, step: s });
    }
    await store.logBatch(run.info.runId, {
      metrics,
      params: [
        { key: 'model', value: ['a', 'b', 'c'][r % 3]! },
        { key: 'lr', value: String(0.001 * (r % 10)) },
        { key: 'seed', value: String(r) },
      ],
      tags: [{ key: 'team', value: r % 2 ? 'x' : 'y' }],
    });
  }
}

/** MLflow's FileStore search: read every file of every run (meta.yaml via a YAML parser, whole metric histories). */
function naiveSearch(expDir: string, filter: string, orderBy: string[], maxResults: number): unknown {
  const runs: Run[] = [];
  const readKeys = (dir: string, prefix = ''): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      const k = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) out.push(...readKeys(p, k));
      else out.push([k, readFileSync(p, 'utf8')]);
    }
    return out;
  };
  for (const e of readdirSync(expDir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === 'tags' || e.name === 'datasets') continue;
    const dir = join(expDir, e.name);
    const meta = YAML.parse(readFileSync(join(dir, 'meta.yaml'), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
    const metrics: Metric[] = [];
    for (const [key, text] of readKeys(join(dir, 'metrics'))) {
      let best: Metric | undefined;
      for (const line of text.split('\n')) {
        if (!line) continue;
        const [ts, v, st] = line.split(' ');
        const m = { key, value: Number(v), timestamp: Number(ts), step: Number(st ?? 0) };
        if (!best || m.step > best.step || (m.step === best.step && m.timestamp >= best.timestamp)) best = m;
      }
      if (best) metrics.push(best);
    }
    runs.push({
      info: {
        runId: String(meta.run_id), runUuid: String(meta.run_id), runName: String(meta.run_name), experimentId: String(meta.experiment_id),
        userId: String(meta.user_id), status: 'RUNNING', startTime: Number(meta.start_time), artifactUri: String(meta.artifact_uri),
        lifecycleStage: 'active',
      },
      data: {
        metrics,
        params: readKeys(join(dir, 'params')).map(([key, value]) => ({ key, value })),
        tags: readKeys(join(dir, 'tags')).map(([key, value]) => ({ key, value })),
      },
      inputs: { datasetInputs: [] },
    });
  }
  // The same evaluator as the store uses (core's, or the plugin's fallback when core has none).
  return searchRunsInMemory(runs, { filter, orderBy, maxResults });
}

async function benchSearch(): Promise<void> {
  const root = join(base, 'search');
  const setup = new FileTrackingStore({ root, fsync: false });
  const filter = "metrics.loss < 0.5 and params.model = 'b'";
  const orderBy = ['metrics.acc DESC'];
  for (const size of [1_000, 10_000]) {
    const exp = await setup.createExperiment(`runs-${size}`);
    const [tp] = await time(() => populate(setup, exp, size));
    const search = (s: FileTrackingStore) => s.searchRuns({ experimentIds: [exp], filter, orderBy, maxResults: 100 });
    const [cold, page] = await time(() => search(new FileTrackingStore({ root })));
    const warmStore = new FileTrackingStore({ root });
    await search(warmStore);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push((await time(() => search(warmStore)))[0]);
    const naive: number[] = [];
    for (let i = 0; i < 3; i++) naive.push((await time(async () => naiveSearch(join(root, exp), filter, orderBy, 100)))[0]);
    console.log(
      `search ${fmt(size)} runs (filter "${filter}", order ${orderBy[0]}, ${page.items.length} returned; populated in ${(tp / 1000).toFixed(1)} s):` +
        `\n  labbook cold ${ms(cold)}, warm ${ms(median(warm))} (median of 5)` +
        `\n  naive MLflow-style full read ${ms(median(naive))} (median of 3) -> warm is ${(median(naive) / median(warm)).toFixed(1)}x faster, cold ${(median(naive) / cold).toFixed(1)}x`,
    );
  }
}

async function benchHistory(): Promise<void> {
  const root = join(base, 'history');
  const store = new FileTrackingStore({ root });
  const run = await store.createRun({ experimentId: '0' });
  const total = 1_000_000;
  for (let b = 0; b < total / 100_000; b++) {
    const metrics: Metric[] = [];
    for (let i = 0; i < 100_000; i++) {
      const step = b * 100_000 + i;
      metrics.push({ key: 'loss', value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step });
    }
    await store.logBatch(run.info.runId, { metrics });
  }
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < 3; i++) {
    const [t, page] = await time(() => new FileTrackingStore({ root }).getMetricHistory(run.info.runId, 'loss'));
    times.push(t);
    count = page.items.length;
  }
  const file = readFileSync(join(root, '0', run.info.runId, 'metrics', 'loss'));
  const [tn] = await time(async () => {
    const out: Metric[] = [];
    for (const line of file.toString('utf8').split('\n')) {
      if (!line) continue;
      const [ts, v, st] = line.split(' ');
      out.push({ key: 'loss', value: Number(v), timestamp: Number(ts), step: Number(st) });
    }
    return out;
  });
  console.log(
    `getMetricHistory ${fmt(count)} points (${(file.length / 1e6).toFixed(1)} MB): ${ms(median(times))} (median of 3); naive split/line parser ${ms(tn)}`,
  );
  // Read page by page as a REST client does (max_results 25,000): the file is parsed once, for the
  // first page, and the rest come from the parsed columns.
  const paged = new FileTrackingStore({ root });
  let pages = 0;
  let points = 0;
  const [tp] = await time(async () => {
    let token: string | undefined;
    do {
      const page = await paged.getMetricHistory(run.info.runId, 'loss', { maxResults: 25_000, ...(token ? { pageToken: token } : {}) });
      pages++;
      points += page.items.length;
      token = page.nextPageToken;
    } while (token);
  });
  console.log(`getMetricHistory in pages of 25,000: ${fmt(points)} points in ${pages} pages, ${ms(tp)} in all`);
}

try {
  console.log(`labbook file store benchmark — node ${process.version}, ${process.platform}, temp dir ${base}`);
  await benchLogging();
  await benchHistory();
  await benchSearch();
} finally {
  rmSync(base, { recursive: true, force: true });
}
