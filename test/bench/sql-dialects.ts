/**
 * The SQL core on each dialect (issue #16). Run from /work/main after a build:
 *   pnpm --filter @labbook/tests exec tsx bench/sql-dialects.ts [mysql|postgresql|sqlite ...]
 * For MySQL, PostgreSQL and SQLite it prints: logBatch of 100 x 1000 metrics through the guarded
 * store beside the raw driver's multi-row INSERT of the same rows in the same run (goal <= 1.5x);
 * searchRuns over 10,000 runs with a metric filter and a metric order, per page of 100 (goal
 * <= 200 ms); and a migration of 1,000 runs x 1,000 points (file -> SQLite, MySQL -> PostgreSQL) in
 * points per second. Each dialect gets a fresh database (or file), dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GuardedTrackingStore, migrate, type TrackingStore, validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../../plugins/file/src/index.js';
import { MysqlTrackingStore } from '../../plugins/mysql/src/index.js';
import { PostgresTrackingStore } from '../../plugins/postgres/src/index.js';
import { SqliteTrackingStore } from '../../plugins/sqlite/src/index.js';
import { createMysqlTestDatabase, type MysqlDriver } from '../harness/mysql.js';
import { createPostgresTestDatabase } from '../harness/postgres.js';

const root = join(import.meta.dirname, '..', '..');
const requireFrom = (plugin: string) => createRequire(join(root, 'plugins', plugin, 'package.json'));

const BATCHES = 100;
const PER_BATCH = 1000;
const SEARCH_RUNS = 10_000;
const MIGRATE_RUNS = 1000;
const MIGRATE_POINTS = 1000;

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A store with its SQL database (`db.run` takes the core's canonical SQL). */
type SqlStore = TrackingStore & {
  db: { run(sql: string, values?: unknown[]): Promise<unknown>; dialect: { name: string } };
  close(): Promise<void>;
};

/** The raw driver on the same database: one multi-row INSERT of `rows` into metrics. */
interface Floor {
  insertMetrics(rows: unknown[][]): Promise<void>;
  close(): Promise<void>;
}

interface Backend {
  name: 'mysql' | 'postgresql' | 'sqlite';
  store: SqlStore;
  floor: Floor;
  drop(): Promise<void>;
}

const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
};

function marks(rows: unknown[][], numbered: boolean): string {
  let n = 0;
  return rows.map((r) => `(${r.map(() => (numbered ? `$${++n}` : '?')).join(', ')})`).join(', ');
}
const METRIC_INSERT = 'INSERT INTO metrics (key_, value, timestamp, run_uuid, step, is_nan) VALUES ';

async function mysqlBackend(): Promise<Backend> {
  const mysql = requireFrom('mysql')('mysql2/promise') as MysqlDriver & {
    createPool(o: { uri: string; connectionLimit: number }): { query(sql: string, v?: unknown[]): Promise<unknown>; end(): Promise<void> };
  };
  const db = await createMysqlTestDatabase(mysql, 'labbook_bench_sql');
  const store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-bench' }) as unknown as SqlStore;
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
  return {
    name: 'mysql',
    store,
    floor: {
      insertMetrics: async (rows) => {
        await pool.query(`${METRIC_INSERT.replace('key_', '`key`')}?`, [rows]);
      },
      close: () => pool.end(),
    },
    drop: () => db.drop(),
  };
}

async function postgresBackend(): Promise<Backend> {
  const pg = requireFrom('postgres')('pg') as {
    Pool: new (o: {
      connectionString: string;
      max: number;
    }) => { query(sql: string, v?: unknown[]): Promise<unknown>; end(): Promise<void> };
  };
  const db = await createPostgresTestDatabase('labbook_bench_sql');
  const store = new PostgresTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-bench' }) as unknown as SqlStore;
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  return {
    name: 'postgresql',
    store,
    floor: {
      insertMetrics: async (rows) => {
        await pool.query(`${METRIC_INSERT.replace('key_', 'key')}${marks(rows, true)}`, rows.flat());
      },
      close: () => pool.end(),
    },
    drop: () => db.drop(),
  };
}

async function sqliteBackend(): Promise<Backend> {
  const Database = requireFrom('sqlite')('better-sqlite3') as new (
    file: string,
  ) => { pragma(s: string): unknown; prepare(sql: string): { run(...v: unknown[]): unknown }; close(): void };
  const file = join(tempDir('labbook-bench-sqlite-'), 'bench.db');
  const store = new SqliteTrackingStore({ uri: `sqlite:///${file}`, artifactRoot: '/tmp/labbook-bench' }) as unknown as SqlStore;
  await store.getExperiment('0'); // creates the file and the schema
  const raw = new Database(file);
  // The same durability as the store's connection (WAL, synchronous as the store sets it).
  raw.pragma('journal_mode = WAL');
  const [setting] =
    (await (store.db as unknown as { query(sql: string): Promise<{ synchronous: number }[]> }).query('PRAGMA synchronous')) ?? [];
  raw.pragma(`synchronous = ${setting?.synchronous ?? 2}`);
  raw.pragma('busy_timeout = 5000');
  const statements = new Map<number, { run(...v: unknown[]): unknown }>();
  return {
    name: 'sqlite',
    store,
    floor: {
      insertMetrics: async (rows) => {
        let st = statements.get(rows.length);
        if (st === undefined) {
          st = raw.prepare(`${METRIC_INSERT.replace('key_', '`key`')}${marks(rows, false)}`);
          statements.set(rows.length, st);
        }
        st.run(...rows.flat());
      },
      close: async () => raw.close(),
    },
    drop: async () => undefined,
  };
}

function batchRows(b: number) {
  return Array.from({ length: PER_BATCH }, (_, i) => ({
    key: `m${i % 10}`,
    value: Math.sin(b * PER_BATCH + i),
    timestamp: 1_700_000_000_000 + b,
    step: b * 100 + Math.floor(i / 10),
  }));
}

async function logBatchFigure(b: Backend, guarded: GuardedTrackingStore, experimentId: string): Promise<void> {
  const runA = (await guarded.createRun({ experimentId })).info.runId;
  const runB = (await guarded.createRun({ experimentId })).info.runId;
  const batches = Array.from({ length: BATCHES }, (_, i) => batchRows(i));
  await guarded.logBatch(runA, { metrics: batchRows(999) });
  await b.floor.insertMetrics(batchRows(999).map((m) => [m.key, m.value, m.timestamp, runB, m.step, 0]));
  // Alternated batch by batch, so drift in the disk's sync time falls on both alike.
  let storeMs = 0;
  let floorMs = 0;
  for (const metrics of batches) {
    let t = process.hrtime.bigint();
    await guarded.logBatch(runA, { metrics });
    storeMs += ms(t);
    t = process.hrtime.bigint();
    await b.floor.insertMetrics(metrics.map((m) => [m.key, m.value, m.timestamp + 1, runB, m.step, 0]));
    floorMs += ms(t);
  }
  console.log(
    `[${b.name}] logBatch ${BATCHES} x ${PER_BATCH} metrics: store ${storeMs.toFixed(0)} ms, raw driver multi-row INSERT ${floorMs.toFixed(0)} ms, ratio ${(storeMs / floorMs).toFixed(2)}x (goal <= 1.5x)`,
  );
}

async function searchFigure(b: Backend, guarded: GuardedTrackingStore): Promise<void> {
  const experimentId = await guarded.createExperiment(`bench-search-${randomUUID()}`);
  const now = Date.now();
  const ids = Array.from({ length: SEARCH_RUNS }, (_, i) => `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`);
  const insert = async (sql: string, rows: unknown[][]) => {
    const v: unknown[] = [];
    const body = rows.map((r) => `(${r.map((x) => (v.push(x), '?')).join(', ')})`).join(', ');
    await b.store.db.run(`${sql} VALUES ${body}`, v);
  };
  for (let off = 0; off < SEARCH_RUNS; off += 500) {
    const slice = ids.slice(off, off + 500);
    await insert(
      'INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, source_version, lifecycle_stage, artifact_uri, experiment_id)',
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
        Number(experimentId),
      ]),
    );
    await insert(
      'INSERT INTO latest_metrics (`key`, value, timestamp, step, is_nan, run_uuid)',
      slice.flatMap((id, j) => [
        ['acc', (((off + j) * 7919) % 1000) / 1000, now, 0, false, id],
        ['loss', (((off + j) * 104729) % 1000) / 1000, now, 0, false, id],
      ]),
    );
    await insert(
      'INSERT INTO params (`key`, value, run_uuid)',
      slice.flatMap((id, j) => [
        ['optimizer', (off + j) % 3 === 0 ? 'adam' : 'sgd', id],
        ['lr', String(((off + j) % 10) / 100), id],
      ]),
    );
    await insert(
      'INSERT INTO tags (`key`, value, run_uuid)',
      slice.map((id, j) => ['mlflow.runName', `run-${off + j}`, id]),
    );
  }
  await b.store.db.run(b.name === 'mysql' ? 'ANALYZE TABLE runs, latest_metrics, params, tags' : 'ANALYZE');
  const query = {
    experimentIds: [experimentId],
    filter: "metrics.acc > 0.5 AND params.optimizer = 'adam'",
    orderBy: ['metrics.loss DESC'],
  };
  await guarded.searchRuns({ ...query, maxResults: 100 });
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    found = (await guarded.searchRuns({ ...query, maxResults: 100 })).items.length;
    times.push(ms(t));
  }
  const deep: number[] = [];
  let token: string | undefined;
  for (let page = 0; page < 5; page++) {
    const t = process.hrtime.bigint();
    token = (await guarded.searchRuns({ ...query, maxResults: 100, ...(token ? { pageToken: token } : {}) })).nextPageToken;
    deep.push(ms(t));
  }
  console.log(
    `[${b.name}] searchRuns over ${SEARCH_RUNS} runs (metric filter, param filter, metric order): page of 100 (${found} runs) in median ${median(times).toFixed(1)} ms, pages 1-5 in median ${median(deep).toFixed(1)} ms (goal <= 200 ms)`,
  );
}

/** Fills `store` with MIGRATE_RUNS runs of MIGRATE_POINTS points each, through its import (fast). */
async function fillForMigration(store: GuardedTrackingStore): Promise<void> {
  const experimentId = await store.createExperiment(`bench-migrate-${randomUUID()}`);
  const start = Date.now();
  for (let r = 0; r < MIGRATE_RUNS; r++) {
    const runId = randomUUID().replace(/-/g, '');
    await store.importRun({
      run: {
        info: {
          runId,
          runUuid: runId,
          runName: `r${r}`,
          experimentId,
          userId: 'bench',
          status: 'FINISHED',
          artifactUri: '',
          lifecycleStage: 'active',
          startTime: start + r,
          endTime: start + r + 1,
        },
        data: { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'mlflow.runName', value: `r${r}` }] },
        inputs: { datasetInputs: [] },
      },
      metrics: Array.from({ length: MIGRATE_POINTS }, (_, i) => ({ key: `m${i % 4}`, value: i / 7, timestamp: start + i, step: i })),
    });
  }
}

async function migrationFigure(label: string, source: GuardedTrackingStore, target: GuardedTrackingStore): Promise<void> {
  let t = process.hrtime.bigint();
  await fillForMigration(source);
  const fillMs = ms(t);
  t = process.hrtime.bigint();
  const report = await migrate({ source, target });
  const migrateMs = ms(t);
  const points = report.written.metricPoints;
  console.log(
    `[migrate ${label}] ${report.written.runs} runs x ${MIGRATE_POINTS} points (${points} points) in ${(migrateMs / 1000).toFixed(1)} s: ${Math.round(points / (migrateMs / 1000)).toLocaleString('en')} points/s (source filled in ${(fillMs / 1000).toFixed(1)} s)`,
  );
}

const wanted = process.argv.slice(2);
const want = (name: string) => wanted.length === 0 || wanted.includes(name);
const makers = { mysql: mysqlBackend, postgresql: postgresBackend, sqlite: sqliteBackend } as const;
const open: Backend[] = [];
try {
  for (const [name, make] of Object.entries(makers)) {
    if (!want(name)) continue;
    const b = await make();
    open.push(b);
    const guarded = validatedTrackingStore(b.store);
    const experimentId = await guarded.createExperiment(`bench-${randomUUID()}`);
    await logBatchFigure(b, guarded, experimentId);
    await searchFigure(b, guarded);
  }
  if (want('migrate')) {
    // file -> SQLite (MLflow's migrate-filestore) and MySQL -> PostgreSQL.
    const file = validatedTrackingStore(new FileTrackingStore({ root: join(tempDir('labbook-bench-mlruns-'), 'mlruns') }));
    const sqlite = await sqliteBackend();
    open.push(sqlite);
    await migrationFigure('file -> sqlite', file, validatedTrackingStore(sqlite.store));
    const mysql = await mysqlBackend();
    const postgres = await postgresBackend();
    open.push(mysql, postgres);
    await migrationFigure('mysql -> postgresql', validatedTrackingStore(mysql.store), validatedTrackingStore(postgres.store));
  }
} finally {
  for (const b of open) {
    await b.store.close();
    await b.floor.close();
    await b.drop();
  }
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
