/**
 * Benchmark of `@labbook/server` on loopback, run from the repo root with
 *   node test/bench/run.mjs server
 * For a file-store-backed and a MySQL-backed server (MariaDB on 127.0.0.1; skipped with a note when
 * unreachable), autocannon drives POST runs/log-batch (10 metrics per request) at 1, 16 and 64
 * connections and prints req/s, p50 and p99; then times runs/search over 10,000 runs. Baseline: GET
 * /health in the same run (the framework's floor).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RegistryStore, TrackingStore } from '../../packages/core/src/index.js';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '../../plugins/file/src/index.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../../plugins/mysql/src/index.js';
import { startServer } from '../../packages/server/src/index.js';
import { createMysqlTestDatabase } from '../harness/mysql.js';

const require = createRequire(join(process.cwd(), '../packages/server/package.json'));
const autocannon = require('autocannon') as (o: Record<string, unknown>) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}>;
const mysql = require('mysql2/promise');

async function benchServer(label: string, stores: { tracking: TrackingStore; registry: RegistryStore }): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-server-bench-'));
  const server = await startServer({
    port: 0,
    logger: false,
    uiDir: '',
    trackingStore: stores.tracking,
    registryStore: stores.registry,
    artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
  });
  const post = async (path: string, body: unknown) =>
    (await (
      await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { experiment_id: string; run: { info: { run_id: string } } };

  const { experiment_id } = await post('experiments/create', { name: 'bench' });
  const runIds: string[] = [];
  for (let i = 0; i < 64; i++) runIds.push((await post('runs/create', { experiment_id })).run.info.run_id);

  const health = await autocannon({ url: `${server.url}/health`, connections: 16, duration: 3 });
  console.log(`baseline GET /health, 16 conns: ${Math.round(health.requests.average)} req/s p50 ${health.latency.p50} ms p99 ${health.latency.p99} ms`);

  for (const connections of [1, 16, 64]) {
    let n = 0;
    const r = await autocannon({
      url: `${server.url}/api/2.0/mlflow/runs/log-batch`,
      connections,
      duration: 5,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupClient: (client: { setBody: (b: string) => void; on: (e: string, f: () => void) => void }) => {
        const next = () => {
          n++;
          const ts = Date.now();
          client.setBody(
            JSON.stringify({
              run_id: runIds[n % runIds.length],
              metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: Math.random(), timestamp: ts, step: n })),
            }),
          );
        };
        next();
        client.on('response', next);
      },
    });
    console.log(
      `runs/log-batch (${label}), ${connections} conns: ${Math.round(r.requests.average)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms non2xx ${r.non2xx} (vs /health ${(r.requests.average / health.requests.average).toFixed(2)}x)`,
    );
  }

  const { experiment_id: searchExp } = await post('experiments/create', { name: 'search' });
  const t0 = performance.now();
  const create = Array.from({ length: 10_000 }, (_, i) => i);
  for (let i = 0; i < create.length; i += 50)
    await Promise.all(
      create.slice(i, i + 50).map(async (k) => {
        const id = (await post('runs/create', { experiment_id: searchExp })).run.info.run_id;
        await post('runs/log-batch', { run_id: id, metrics: [{ key: 'acc', value: k / 10_000, timestamp: 1, step: 0 }], params: [{ key: 'k', value: String(k % 10) }] });
      }),
    );
  console.log(`${label}: created 10,000 runs over HTTP in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [query, body] of [
    ['first page (100), default order', { experiment_ids: [searchExp], max_results: 100 }],
    ['filter metrics.acc > 0.9 order by metrics.acc DESC', { experiment_ids: [searchExp], filter: 'metrics.acc > 0.9', order_by: ['metrics.acc DESC'], max_results: 100 }],
    ["filter params.k = '3', 1000 results", { experiment_ids: [searchExp], filter: "params.k = '3'", max_results: 1000 }],
  ] as const) {
    const store = label;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await post('runs/search', body);
      times.push(performance.now() - s);
    }
    const first = times[0]!;
    times.sort((a, b) => a - b);
    console.log(`runs/search (${store}) over 10,000 runs, ${query}: first call ${first.toFixed(1)} ms, median of 5 ${times[2]!.toFixed(1)} ms`);
  }

  await server.close();
  rmSync(root, { recursive: true, force: true });
}

const fileRoot = mkdtempSync(join(tmpdir(), 'labbook-server-bench-file-'));
await benchServer('file', {
  tracking: new FileTrackingStore({ root: fileRoot, fsync: false }),
  registry: new FileRegistryStore({ root: fileRoot, fsync: false }),
});
rmSync(fileRoot, { recursive: true, force: true });

let db: Awaited<ReturnType<typeof createMysqlTestDatabase>> | undefined;
try {
  db = await createMysqlTestDatabase(mysql, 'labbook_bench');
} catch (error) {
  console.log(`mysql: skipped, no server reachable (${(error as Error).message})`);
}
if (db) {
  try {
    await benchServer('mysql', {
      tracking: new MysqlTrackingStore({ uri: db.url, artifactRoot: 'mlflow-artifacts:/' }),
      registry: new MysqlRegistryStore({ uri: db.url }),
    });
  } finally {
    await db.drop();
  }
}
