/**
 * MySQL backend benchmark (issue 4). Run from /work/main:
 *   pnpm --filter @labbook/tests exec tsx bench/mysql.ts
 * Uses LABBOOK_TEST_MYSQL_URL or mysql://root@127.0.0.1:3306; creates and drops its own database.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createMysqlTestDatabase, type MysqlDriver } from '../harness/mysql.js';
import { validatedTrackingStore } from '@labbook/core';
import { MysqlTrackingStore } from '../../plugins/mysql/src/index.js';

const require = createRequire(new URL('../../plugins/mysql/package.json', import.meta.url));
// mysql2 is the plugin's dependency, not the test workspace's: load it from the plugin's folder.
type Mysql2 = MysqlDriver & {
  createPool(options: { uri: string; connectionLimit: number }): {
    query(sql: string, values?: unknown[]): Promise<unknown>;
    end(): Promise<void>;
  };
};
const mysql = require('mysql2/promise') as Mysql2;
type RawConnection = { query(sql: string, values?: unknown[]): Promise<unknown>; release(): void };

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
  return Array.from({ length: PER_BATCH }, (_, i) => ({
    key: `m${i % 10}`,
    value: Math.sin(b * PER_BATCH + i),
    timestamp: 1_700_000_000_000 + b,
    step: b * 100 + Math.floor(i / 10),
  }));
}

const LIFECYCLE_RUNS = 300;
/** MLflow 2.10's SqlAlchemyStore on the same cycle, from the last measurement (4.2 s for 300 runs). */
const MLFLOW_MS_PER_RUN = 14;

async function lifecycle(experimentId: string): Promise<void> {
  const clientTags = (i: number) => [
    { key: 'mlflow.user', value: 'bench' },
    { key: 'mlflow.source.name', value: 'bench.ts' },
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.runName', value: `cycle-${i}` },
  ];
  const cycle = async (i: number) => {
    const run = await store.createRun({ experimentId, startTime: Date.now(), tags: clientTags(i), userId: 'bench' });
    const id = run.info.runId;
    await store.logBatch(id, { metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: 0 }] });
    await store.logBatch(id, { params: [{ key: 'lr', value: '0.01' }] });
    await store.updateRunInfo(id, { status: 'FINISHED', endTime: Date.now() });
  };
  const conn = await (pool as unknown as { getConnection(): Promise<RawConnection> }).getConnection();
  const floorCycle = async (i: number) => {
    const id = `f${i.toString(16).padStart(7, '0')}${randomUUID().replace(/-/g, '').slice(8)}`;
    const now = Date.now();
    await conn.query('START TRANSACTION');
    await conn.query(
      "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)",
      [id, `cycle-${i}`, 'bench', now, `/tmp/labbook-bench/${experimentId}/${id}/artifacts`, Number(experimentId)],
    );
    await conn.query('INSERT INTO tags (`key`, value, run_uuid) VALUES ?', [clientTags(i).map((t) => [t.key, t.value, id])]);
    await conn.query('INSERT INTO params (`key`, value, run_uuid) VALUES (?, ?, ?)', ['lr', '0.01', id]);
    await conn.query('INSERT INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)', [
      'loss',
      1 / (i + 1),
      now,
      id,
    ]);
    await conn.query('INSERT INTO latest_metrics (`key`, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, 0, 0, ?)', [
      'loss',
      1 / (i + 1),
      now,
      id,
    ]);
    await conn.query("UPDATE runs SET status = 'FINISHED', end_time = ? WHERE run_uuid = ?", [Date.now(), id]);
    await conn.query('COMMIT');
  };
  // labbook's four calls must each be durable on return, so each commits: this floor is the same
  // rows as four raw transactions with the fewest statements (10), what labbook could at best reach.
  const perCallFloorCycle = async (i: number) => {
    const id = `c${i.toString(16).padStart(7, '0')}${randomUUID().replace(/-/g, '').slice(8)}`;
    const now = Date.now();
    await conn.query('START TRANSACTION');
    await conn.query(
      "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)",
      [id, `cycle-${i}`, 'bench', now, `/tmp/labbook-bench/${experimentId}/${id}/artifacts`, Number(experimentId)],
    );
    await conn.query('INSERT INTO tags (`key`, value, run_uuid) VALUES ?', [clientTags(i).map((t) => [t.key, t.value, id])]);
    await conn.query('COMMIT');
    await conn.query('START TRANSACTION');
    await conn.query('INSERT INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)', [
      'loss',
      1 / (i + 1),
      now,
      id,
    ]);
    await conn.query('INSERT INTO latest_metrics (`key`, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, 0, 0, ?)', [
      'loss',
      1 / (i + 1),
      now,
      id,
    ]);
    await conn.query('COMMIT');
    await conn.query('INSERT INTO params (`key`, value, run_uuid) VALUES (?, ?, ?)', ['lr', '0.01', id]);
    await conn.query("UPDATE runs SET status = 'FINISHED', end_time = ? WHERE run_uuid = ?", [Date.now(), id]);
  };
  try {
    // Warm every path (pool connections, caches) before timing.
    for (let i = 0; i < 20; i++) {
      await cycle(-1 - i);
      await floorCycle(100_000 + i);
      await perCallFloorCycle(100_000 + i);
    }
    let storeMs = 0;
    let floorMs = 0;
    let perCallMs = 0;
    const rounds = 3;
    // Interleaved run by run: the disk's fsync time drifts with the machine's load by more than the
    // differences measured here, and this way the drift falls on all three alike.
    for (let n = 0; n < rounds * LIFECYCLE_RUNS; n++) {
      let t = process.hrtime.bigint();
      await cycle(n);
      storeMs += ms(t);
      t = process.hrtime.bigint();
      await floorCycle(n);
      floorMs += ms(t);
      t = process.hrtime.bigint();
      await perCallFloorCycle(n);
      perCallMs += ms(t);
    }
    const perRun = storeMs / (rounds * LIFECYCLE_RUNS);
    const floorPerRun = floorMs / (rounds * LIFECYCLE_RUNS);
    const perCallPerRun = perCallMs / (rounds * LIFECYCLE_RUNS);
    console.log(
      `run lifecycle (createRun with ${clientTags(0).length} tags, log 1 metric, log 1 param, end), ${rounds} x ${LIFECYCLE_RUNS} runs interleaved with the floors: ` +
        `labbook ${perRun.toFixed(2)} ms/run (${(perRun * LIFECYCLE_RUNS).toFixed(0)} ms per ${LIFECYCLE_RUNS}), ` +
        `one-transaction floor ${floorPerRun.toFixed(2)} ms/run, ratio ${(perRun / floorPerRun).toFixed(2)}x (target <= 1.5x); ` +
        `four-commit floor (one raw transaction per call) ${perCallPerRun.toFixed(2)} ms/run, ratio ${(perRun / perCallPerRun).toFixed(2)}x; ` +
        `MLflow 2.10 ${MLFLOW_MS_PER_RUN} ms/run (last measurement), labbook ${(MLFLOW_MS_PER_RUN / perRun).toFixed(1)}x faster (target >= 5x)`,
    );
  } finally {
    conn.release();
  }
}

const db = await createMysqlTestDatabase(mysql, 'labbook_bench');
const store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-bench' });
const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
try {
  const exp = await store.createExperiment('bench');
  // --- run lifecycle vs the one-transaction floor ------------------------------------------
  // The cycle of a typical script: create a run (with the tags a client sends), log one metric and
  // one param, end it. The floor writes the same rows over one connection in one transaction with
  // the fewest statements, so it pays one commit where labbook (four calls, each durable) pays four.
  // LABBOOK_BENCH_ONLY=lifecycle runs only the cycle above; =search only the search (to compare trees, alternating them).
  const only = process.env.LABBOOK_BENCH_ONLY;
  if (only !== 'search') await lifecycle(exp);
  if (only !== 'lifecycle') {
    // --- logBatch vs the floor -------------------------------------------------------------
    if (only !== 'search') {
      const runA = (await store.createRun({ experimentId: exp })).info.runId;
      const runB = (await store.createRun({ experimentId: exp })).info.runId;
      const batches = Array.from({ length: BATCHES }, (_, b) => batchRows(b));
      await store.logBatch(runA, { metrics: batchRows(999) }); // warm the pool and the schema check
      let t = process.hrtime.bigint();
      for (const metrics of batches) await store.logBatch(runA, { metrics });
      const storeMs = ms(t);
      t = process.hrtime.bigint();
      for (const metrics of batches) {
        await pool.query('INSERT INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) VALUES ?', [
          metrics.map((m) => [m.key, m.value, m.timestamp, runB, m.step, 0]),
        ]);
      }
      const floorMs = ms(t);
      console.log(
        `logBatch ${BATCHES} x ${PER_BATCH} metrics: store ${storeMs.toFixed(0)} ms, plain mysql2 multi-row INSERT ${floorMs.toFixed(0)} ms, ratio ${(storeMs / floorMs).toFixed(2)}x (target <= 1.5x)`,
      );
    }
    // --- search over 10,000 runs ------------------------------------------------------------
    let t = process.hrtime.bigint();
    const searchExp = await store.createExperiment('bench-search');
    const now = Date.now();
    const ids = Array.from({ length: SEARCH_RUNS }, (_, i) => `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`);
    for (let off = 0; off < SEARCH_RUNS; off += 2000) {
      const slice = ids.slice(off, off + 2000);
      await pool.query(
        'INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES ?',
        [
          slice.map((id, j) => [
            id,
            `run-${off + j}`,
            'UNKNOWN',
            '',
            '',
            'bench',
            'FINISHED',
            now - (off + j),
            '',
            'active',
            `/tmp/x/${id}/artifacts`,
            Number(searchExp),
          ]),
        ],
      );
      await pool.query('INSERT INTO latest_metrics (`key`, value, timestamp, step, is_nan, run_uuid) VALUES ?', [
        slice.flatMap((id, j) => [
          ['acc', (((off + j) * 7919) % 1000) / 1000, now, 0, 0, id],
          ['loss', (((off + j) * 104729) % 1000) / 1000, now, 0, 0, id],
        ]),
      ]);
      await pool.query('INSERT INTO params (`key`, value, run_uuid) VALUES ?', [
        slice.flatMap((id, j) => [
          ['optimizer', (off + j) % 3 === 0 ? 'adam' : 'sgd', id],
          ['lr', String(((off + j) % 10) / 100), id],
        ]),
      ]);
      await pool.query('INSERT INTO tags (`key`, value, run_uuid) VALUES ?', [
        slice.map((id, j) => ['mlflow.runName', `run-${off + j}`, id]),
      ]);
    }
    await pool.query('ANALYZE TABLE runs, latest_metrics, params, tags');
    const query = { experimentIds: [searchExp], filter: "metrics.acc > 0.5 AND params.optimizer = 'adam'", orderBy: ['metrics.loss DESC'] };
    const guarded = validatedTrackingStore(store);
    let first = await guarded.searchRuns(query);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = process.hrtime.bigint();
      first = await guarded.searchRuns(query);
      times.push(ms(t));
    }
    const small: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = process.hrtime.bigint();
      await guarded.searchRuns({ ...query, maxResults: 100 });
      small.push(ms(t));
    }
    console.log(
      `searchRuns over ${SEARCH_RUNS} runs (metric filter, param filter, metric order): ${first.items.length} runs on the first page (max 1000) in median ${median(times).toFixed(1)} ms; page of 100 in ${median(small).toFixed(1)} ms (target < 200 ms)`,
    );

    // --- history of 1,000,000 points --------------------------------------------------------
    if (only !== 'search') {
      const runH = (await store.createRun({ experimentId: exp })).info.runId;
      t = process.hrtime.bigint();
      for (let off = 0; off < HISTORY_POINTS; off += 1000) {
        await store.logBatch(runH, {
          metrics: Array.from({ length: 1000 }, (_, i) => ({
            key: 'loss',
            value: 1 / (off + i + 1),
            timestamp: 1_700_000_000_000 + off + i,
            step: off + i,
          })),
        });
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
    }
  }
} finally {
  await store.close();
  await pool.end();
  await db.drop();
}
