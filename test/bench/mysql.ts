/**
 * MySQL backend benchmark (issue 4). Run from /work/main:
 *   pnpm --filter @labbook/tests exec tsx bench/mysql.ts
 * Uses LABBOOK_TEST_MYSQL_URL or mysql://root@127.0.0.1:3306; creates and drops its own database.
 */
import { createRequire } from 'node:module';
import { createMysqlTestDatabase, type MysqlDriver } from '../harness/mysql.js';
import { MysqlTrackingStore } from '../../plugins/mysql/src/index.js';

const require = createRequire(new URL('../../plugins/mysql/package.json', import.meta.url));
// mysql2 is the plugin's dependency, not the test workspace's: load it from the plugin's folder.
type Mysql2 = MysqlDriver & {
  createPool(options: { uri: string; connectionLimit: number }): { query(sql: string, values?: unknown[]): Promise<unknown>; end(): Promise<void> };
};
const mysql = require('mysql2/promise') as Mysql2;

const BATCHES = 100;
const PER_BATCH = 1000;
const SEARCH_RUNS = 10_000;
const HISTORY_POINTS = 1_000_000;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function batchRows(b: number) {
  return Array.from({ length: PER_BATCH }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * PER_BATCH + i), timestamp: 1_700_000_000_000 + b, step: b * 100 + Math.floor(i / 10) }));
}

const db = await createMysqlTestDatabase(mysql, 'labbook_bench');
const store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-bench' });
const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
try {
  const exp = await store.createExperiment('bench');
  // --- logBatch vs the floor -------------------------------------------------------------
  const runA = (await store.createRun({ experimentId: exp })).info.runId;
  const runB = (await store.createRun({ experimentId: exp })).info.runId;
  const batches = Array.from({ length: BATCHES }, (_, b) => batchRows(b));
  await store.logBatch(runA, { metrics: batchRows(999) }); // warm the pool and the schema check
  let t = process.hrtime.bigint();
  for (const metrics of batches) await store.logBatch(runA, { metrics });
  const storeMs = ms(t);
  t = process.hrtime.bigint();
  for (const metrics of batches) {
    await pool.query('INSERT INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) VALUES ?', [metrics.map((m) => [m.key, m.value, m.timestamp, runB, m.step, 0])]);
  }
  const floorMs = ms(t);
  console.log(`logBatch ${BATCHES} x ${PER_BATCH} metrics: store ${storeMs.toFixed(0)} ms, plain mysql2 multi-row INSERT ${floorMs.toFixed(0)} ms, ratio ${(storeMs / floorMs).toFixed(2)}x (target <= 1.5x)`);

  // --- search over 10,000 runs ------------------------------------------------------------
  const searchExp = await store.createExperiment('bench-search');
  const now = Date.now();
  const ids = Array.from({ length: SEARCH_RUNS }, (_, i) => `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`);
  for (let off = 0; off < SEARCH_RUNS; off += 2000) {
    const slice = ids.slice(off, off + 2000);
    await pool.query(
      'INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES ?',
      [slice.map((id, j) => [id, `run-${off + j}`, 'UNKNOWN', '', '', 'bench', 'FINISHED', now - (off + j), '', 'active', `/tmp/x/${id}/artifacts`, Number(searchExp)])],
    );
    await pool.query('INSERT INTO latest_metrics (`key`, value, timestamp, step, is_nan, run_uuid) VALUES ?', [
      slice.flatMap((id, j) => [
        ['acc', ((off + j) * 7919) % 1000 / 1000, now, 0, 0, id],
        ['loss', ((off + j) * 104729) % 1000 / 1000, now, 0, 0, id],
      ]),
    ]);
    await pool.query('INSERT INTO params (`key`, value, run_uuid) VALUES ?', [
      slice.flatMap((id, j) => [
        ['optimizer', (off + j) % 3 === 0 ? 'adam' : 'sgd', id],
        ['lr', String(((off + j) % 10) / 100), id],
      ]),
    ]);
    await pool.query('INSERT INTO tags (`key`, value, run_uuid) VALUES ?', [slice.map((id, j) => ['mlflow.runName', `run-${off + j}`, id])]);
  }
  await pool.query('ANALYZE TABLE runs, latest_metrics, params, tags');
  const query = { experimentIds: [searchExp], filter: "metrics.acc > 0.5 AND params.optimizer = 'adam'", orderBy: ['metrics.loss DESC'] };
  let first = await store.searchRuns(query);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    first = await store.searchRuns(query);
    times.push(ms(t));
  }
  const small: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    await store.searchRuns({ ...query, maxResults: 100 });
    small.push(ms(t));
  }
  console.log(
    `searchRuns over ${SEARCH_RUNS} runs (metric filter, param filter, metric order): ${first.items.length} runs on the first page (max 1000) in median ${median(times).toFixed(1)} ms; page of 100 in ${median(small).toFixed(1)} ms (target < 200 ms)`,
  );

  // --- history of 1,000,000 points --------------------------------------------------------
  const runH = (await store.createRun({ experimentId: exp })).info.runId;
  t = process.hrtime.bigint();
  for (let off = 0; off < HISTORY_POINTS; off += 1000) {
    await store.logBatch(runH, { metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (off + i + 1), timestamp: 1_700_000_000_000 + off + i, step: off + i })) });
  }
  const writeMs = ms(t);
  t = process.hrtime.bigint();
  const all = await store.getMetricHistory(runH, 'loss');
  const readMs = ms(t);
  t = process.hrtime.bigint();
  let pages = 0;
  let token: string | undefined;
  let count = 0;
  do {
    const page = await store.getMetricHistory(runH, 'loss', { maxResults: 100_000, ...(token ? { pageToken: token } : {}) });
    count += page.items.length;
    token = page.nextPageToken;
    pages++;
  } while (token);
  const pagedMs = ms(t);
  console.log(
    `history of ${all.items.length} points: written by logBatch (1000 per batch) in ${(writeMs / 1000).toFixed(1)} s; read whole in ${readMs.toFixed(0)} ms; read in ${pages} pages of 100,000 (${count} points) in ${pagedMs.toFixed(0)} ms`,
  );
} finally {
  await store.close();
  await pool.end();
  await db.drop();
}
