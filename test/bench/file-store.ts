/**
 * Benchmark of the file store (`@labbook/plugin-file`), run from the repo root with
 *   pnpm --filter @labbook/tests exec tsx bench/file-store.ts
 * Prints logging throughput (logBatch and the fluent API), search latency over 1,000 and 10,000 runs
 * (cold = new store instance, so its in-process cache is empty; the OS page cache stays warm; warm =
 * repeated), metric history read for 1,000,000 points, and, in the same run, a naive baseline that
 * reads every run's folder on every search the way MLflow's FileStore does, with the ratio.
 * The run lifecycle (create, log one metric and one param, end) is timed beside its floor: the bare
 * file operations the same crash guarantee needs, so the ratio shows what labbook adds on top.
 * LABBOOK_BENCH_BASELINE=<path of another copy of plugins/file/src/index.ts> benches that copy too,
 * alternating with this one in the same process (before/after comparisons on a noisy disk).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  endRun,
  flush,
  logMetric,
  type Metric,
  registerPlugin,
  type Run,
  setTrackingUri,
  startRun,
  validatedTrackingStore,
} from '@labbook/core';
import { searchRunsInMemory } from '@labbook/core/plugin';
import YAML from 'yaml';
import { FileTrackingStore, plugin } from '../../plugins/file/src/index.js';

type StoreClass = typeof FileTrackingStore;
const baselinePath = process.env.LABBOOK_BENCH_BASELINE;
const Baseline: StoreClass | undefined = baselinePath
  ? ((await import(baselinePath)) as { FileTrackingStore: StoreClass }).FileTrackingStore
  : undefined;

/** Last measured on this machine with MLflow 2.10's FileStore (create, log_metric, log_param, end). */
const MLFLOW_MS_PER_RUN = 9.1;
/** MLflow 2.10's get_metric_history of 10,000 points on the file store, same machine. */
const MLFLOW_HISTORY_10K_MS = 18;

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
      for (let i = 0; i < perBatch; i++)
        metrics.push({ key: `m${i % 10}`, value: Math.random(), timestamp: Date.now(), step: b * 100 + (i >> 4) });
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
        runId: String(meta.run_id),
        runUuid: String(meta.run_id),
        runName: String(meta.run_name),
        experimentId: String(meta.experiment_id),
        userId: String(meta.user_id),
        status: 'RUNNING',
        startTime: Number(meta.start_time),
        artifactUri: String(meta.artifact_uri),
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
    // Through the guard, as callers search: core parses once and the store returns candidates.
    const search = (s: FileTrackingStore) =>
      validatedTrackingStore(s).searchRuns({ experimentIds: [exp], filter, orderBy, maxResults: 100 });
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
  // 10,000 points in a second run, read whole like the 1,000,000 (cold: a new store each time, so
  // nothing is cached but the OS's pages).
  const small = await store.createRun({ experimentId: '0' });
  await store.logBatch(small.info.runId, {
    metrics: Array.from({ length: 10_000 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 1_700_000_000_000 + step,
      step,
    })),
  });
  const contenders: Array<[string, StoreClass]> = [['labbook', FileTrackingStore]];
  if (Baseline) contenders.push(['baseline', Baseline]);
  const whole = new Map<string, { small: number[]; large: number[] }>(contenders.map(([name]) => [name, { small: [], large: [] }]));
  let count = 0;
  for (let i = 0; i < 6; i++) {
    // Who goes first swaps each round: the first pays for collecting the garbage of the last.
    for (const [name, Store] of i % 2 ? [...contenders].reverse() : contenders) {
      const [ts] = await time(() => new Store({ root }).getMetricHistory(small.info.runId, 'loss'));
      const [t, page] = await time(() => new Store({ root }).getMetricHistory(run.info.runId, 'loss'));
      whole.get(name)!.small.push(ts);
      whole.get(name)!.large.push(t);
      count = page.items.length;
    }
  }
  const times = whole.get('labbook')!.large;
  for (const [name] of contenders) {
    const w = whole.get(name)!;
    console.log(
      `${name === 'labbook' ? 'labbook' : 'baseline copy'} whole getMetricHistory (Metric objects, new store each, median of 6): ` +
        `10,000 points ${ms(median(w.small))} (MLflow 2.10: ${MLFLOW_HISTORY_10K_MS} ms -> ${(MLFLOW_HISTORY_10K_MS / median(w.small)).toFixed(1)}x), ` +
        `1,000,000 points ${ms(median(w.large))}`,
    );
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
    `getMetricHistory ${fmt(count)} points (${(file.length / 1e6).toFixed(1)} MB): ${ms(median(times))} (median of 6); naive split/line parser ${ms(tn)}`,
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

const RUN_META = (id: string, name: string, end: boolean) =>
  `artifact_uri: file:///x/0/${id}/artifacts\nend_time: ${end ? Date.now() : 'null'}\nentry_point_name: ''\nexperiment_id: '0'\n` +
  `lifecycle_stage: active\nrun_id: ${id}\nrun_name: ${name}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\n` +
  `source_version: ''\nstart_time: ${Date.now()}\nstatus: ${end ? 3 : 1}\ntags: []\nuser_id: unknown\n`;

/** Writes files under temp names and fsyncs them together: one wait for the disk, not one per file. */
async function writeSynced(files: Array<[string, string]>): Promise<void> {
  const handles = await Promise.all(files.map(([p]) => fsp.open(p, 'wx')));
  await Promise.all(handles.map((h, k) => h.writeFile(files[k]![1])));
  await Promise.all(handles.map((h) => h.sync()));
  await Promise.all(handles.map((h) => h.close()));
}

/**
 * The floor of one run's lifecycle: the fewest file operations that keep labbook's crash guarantee (a
 * crash leaves the old state or the new, never an empty or partial file; metric appends unsynced, as
 * MLflow's): create = the run folder built under a temp name (meta.yaml and the runName tag fsynced
 * together) and renamed into place; log = the param created from a fsynced temp by link(2) (exclusive,
 * so a param is never overwritten) plus one O_APPEND write of the metric; end = meta.yaml replaced by a
 * fsynced temp. Three fsync waits in all; no directory fsync (labbook, like MLflow, does none).
 */
async function floorCycle(expDir: string): Promise<void> {
  const id = randomBytes(16).toString('hex');
  const tmp = join(expDir, `.lbtmp-${id}`);
  const runDir = join(expDir, id);
  await fsp.mkdir(tmp);
  await Promise.all(['metrics', 'params', 'tags', 'artifacts'].map((d) => fsp.mkdir(join(tmp, d))));
  await writeSynced([
    [join(tmp, 'meta.yaml'), RUN_META(id, 'run', false)],
    [join(tmp, 'tags', 'mlflow.runName'), 'run'],
  ]);
  await fsp.rename(tmp, runDir);
  const paramTmp = join(runDir, 'params', '.lbtmp-p');
  await writeSynced([[paramTmp, '0.1']]);
  await fsp.link(paramTmp, join(runDir, 'params', 'lr'));
  await fsp.unlink(paramTmp);
  await fsp.appendFile(join(runDir, 'metrics', 'loss'), `${Date.now()} 0.5 0\n`);
  const metaTmp = join(runDir, '.lbtmp-meta');
  await writeSynced([[metaTmp, RUN_META(id, 'run', true)]]);
  await fsp.rename(metaTmp, join(runDir, 'meta.yaml'));
}

async function labbookCycle(store: FileTrackingStore): Promise<void> {
  const run = await store.createRun({ experimentId: '0' });
  const runId = run.info.runId;
  await store.logBatch(runId, {
    metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 }],
    params: [{ key: 'lr', value: '0.1' }],
  });
  await store.updateRunInfo(runId, { status: 'FINISHED', endTime: Date.now() });
}

async function benchLifecycle(): Promise<void> {
  const runs = 1000;
  const rounds = 3;
  const root = join(base, 'lifecycle');
  const floorDir = join(root, 'floor');
  await fsp.mkdir(floorDir, { recursive: true });
  const contenders: Array<[string, (i: number) => Promise<void>]> = [['floor', () => floorCycle(floorDir)]];
  const store = new FileTrackingStore({ root: join(root, 'labbook') });
  contenders.push(['labbook', () => labbookCycle(store)]);
  if (Baseline) {
    const old = new Baseline({ root: join(root, 'baseline') });
    contenders.push(['baseline', () => labbookCycle(old as unknown as FileTrackingStore)]);
  }
  for (const [, cycle] of contenders) for (let i = 0; i < 20; i++) await cycle(i);
  const perRun = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  // Alternated in rounds so that a slow patch of the disk hits every contender alike.
  for (let r = 0; r < rounds; r++) {
    for (const [name, cycle] of contenders) {
      const [t] = await time(async () => {
        for (let i = 0; i < runs; i++) await cycle(i);
      });
      perRun.get(name)!.push(t / runs);
    }
  }
  const f = median(perRun.get('floor')!);
  const l = median(perRun.get('labbook')!);
  const all = (name: string) =>
    perRun
      .get(name)!
      .map((x) => x.toFixed(2))
      .join(', ');
  console.log(
    `run lifecycle (create, log 1 metric + 1 param, end; ${fmt(runs)} runs x ${rounds} rounds, median per run):` +
      `\n  floor (bare fs ops, 3 fsync waits) ${f.toFixed(2)} ms/run [${all('floor')}]` +
      `\n  labbook ${l.toFixed(2)} ms/run [${all('labbook')}] -> ${(l / f).toFixed(2)}x the floor` +
      `\n  MLflow 2.10 (last measured) ${MLFLOW_MS_PER_RUN} ms/run -> labbook ${(MLFLOW_MS_PER_RUN / l).toFixed(1)}x faster (the floor allows ${(MLFLOW_MS_PER_RUN / f).toFixed(1)}x)`,
  );
  if (Baseline) {
    const b = median(perRun.get('baseline')!);
    console.log(
      `  baseline copy ${b.toFixed(2)} ms/run [${all('baseline')}] -> ${(b / f).toFixed(2)}x the floor; this copy is ${(b / l).toFixed(2)}x faster`,
    );
  }
}

try {
  console.log(`labbook file store benchmark — node ${process.version}, ${process.platform}, temp dir ${base}`);
  // LABBOOK_BENCH_ONLY=history|search runs one part (to compare trees, alternating them).
  const only = process.env.LABBOOK_BENCH_ONLY;
  if (only === 'history') await benchHistory();
  else if (only === 'search') await benchSearch();
  else {
    await benchLifecycle();
    await benchLogging();
    await benchHistory();
    await benchSearch();
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
