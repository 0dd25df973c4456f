/**
 * Benchmark of logged-model search (MLflow 3), run from the repo root with
 *   pnpm --filter @labbook/tests exec tsx bench/logged-models.ts
 * Creates 10,000 logged models in one experiment, each with params, tags and an `acc` metric point
 * logged through logBatch (half also get `loss`), then times searchLoggedModels with a metric filter
 * and a page of 100: cold = a new store instance (empty in-process caches; the OS page cache stays
 * warm), warm = the median of repeats on the same instance. `benchStore` takes any store factory, so
 * other backends (MySQL) can be benched with the same data and queries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type GuardedTrackingStore, type SearchLoggedModelsOptions, validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../../plugins/file/src/index.js';

const N = Number(process.env.LABBOOK_BENCH_MODELS ?? 10_000);
const WARM_REPEATS = 5;
const CONCURRENCY = 32;

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

/** Fills a store with N models in a new experiment; returns the experiment id. */
async function populate(store: GuardedTrackingStore): Promise<string> {
  const experimentId = await store.createExperiment(`lm-bench-${Date.now()}`);
  const run = await store.createRun({ experimentId, startTime: Date.now() });
  const runId = run.info.runId;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < N; i = next++) {
      const { info } = await store.createLoggedModel({
        experimentId,
        name: `model-${i}`,
        sourceRunId: runId,
        modelType: i % 2 ? 'tree' : 'linear',
        params: [
          { key: 'lr', value: ['0.1', '0.01', '0.001'][i % 3]! },
          { key: 'depth', value: String(i % 10) },
          { key: 'seed', value: String(i) },
        ],
        tags: [
          { key: 'team', value: i % 3 ? 'ml' : 'data' },
          { key: 'mlflow.user', value: 'bench' },
        ],
      });
      const metrics = [{ key: 'acc', value: ((i * 7919) % 1000) / 1000, timestamp: 1_700_000_000_000 + i, step: 0, modelId: info.modelId }];
      if (i % 2 === 0)
        metrics.push({
          key: 'loss',
          value: ((i * 104729) % 1000) / 1000,
          timestamp: 1_700_000_000_000 + i,
          step: 0,
          modelId: info.modelId,
        });
      await store.logBatch(runId, { metrics });
      if (i % 3 === 0) await store.finalizeLoggedModel(info.modelId, 'LOGGED_MODEL_READY');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return experimentId;
}

/** The searches timed, each with a page of 100. */
function queries(experimentId: string): Array<[string, SearchLoggedModelsOptions]> {
  const base = { experimentIds: [experimentId], maxResults: 100 };
  return [
    ['metrics.acc > 0.9', { ...base, filter: 'metrics.acc > 0.9' }],
    ['metrics.acc > 0.5, order by metrics.acc DESC', { ...base, filter: 'metrics.acc > 0.5', orderBy: ['metrics.acc DESC'] }],
    ["metrics.acc > 0.5 AND params.lr = '0.01'", { ...base, filter: "metrics.acc > 0.5 AND params.lr = '0.01'" }],
    ['no filter (default order)', { ...base }],
  ];
}

/**
 * Benches one backend: `open` returns a store over the same data each time it is called (a new
 * instance: its caches start empty).
 */
export async function benchStore(label: string, open: () => Promise<GuardedTrackingStore>): Promise<void> {
  const writer = await open();
  const [tPopulate, experimentId] = await time(() => populate(writer));
  console.log(
    `${label}: created ${N.toLocaleString('en-US')} logged models (+metrics) in ${ms(tPopulate)} (${((tPopulate * 1000) / N).toFixed(0)} µs/model)`,
  );
  await writer.close();
  for (const [name, options] of queries(experimentId)) {
    const cold = await open();
    const [tCold, first] = await time(() => cold.searchLoggedModels(options));
    const warm: number[] = [];
    for (let r = 0; r < WARM_REPEATS; r++) warm.push((await time(() => cold.searchLoggedModels(options)))[0]);
    console.log(`${label}: search ${name}: ${first.items.length} of page 100, cold ${ms(tCold)}, warm ${ms(median(warm))}`);
    await cold.close();
  }
}

const base = mkdtempSync(join(tmpdir(), 'labbook-bench-lm-'));
try {
  const root = join(base, 'mlruns');
  await benchStore('file', async () => validatedTrackingStore(new FileTrackingStore({ root, fsync: false })));
} finally {
  rmSync(base, { recursive: true, force: true });
}
