/**
 * Logged-model search on MySQL (issue 15). Run from /work/main:
 *   pnpm --filter @labbook/tests exec tsx bench/logged-models-mysql.ts
 * 10,000 models with one metric each, inserted in bulk; then a page of 100 with a metric filter
 * through the guarded store (median of 5), beside a raw mysql2 SELECT of the same page. Uses
 * LABBOOK_TEST_MYSQL_URL or mysql://root@127.0.0.1:3306; creates and drops its own database.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { validatedTrackingStore } from '@labbook/core';
import { createMysqlTestDatabase, type MysqlDriver } from '../harness/mysql.js';
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

const MODELS = 10_000;
const PAGE = 100;
const REPEATS = 5;
const GOAL_MS = 200;
const CHUNK = 1000;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const db = await createMysqlTestDatabase(mysql, 'labbook_bench_lm');
const inner = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-bench' });
const store = validatedTrackingStore(inner);
const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
try {
  const experimentId = await store.createExperiment('lm-bench');
  const run = await store.createRun({ experimentId, startTime: Date.now() });
  const exp = Number(experimentId);
  const base = 1_700_000_000_000;
  const insertStart = process.hrtime.bigint();
  for (let c = 0; c < MODELS; c += CHUNK) {
    const models: unknown[][] = [];
    const metrics: unknown[][] = [];
    for (let i = c; i < Math.min(MODELS, c + CHUNK); i++) {
      const id = `m-${randomUUID().replace(/-/g, '')}`;
      models.push([
        id,
        exp,
        `model-${i}`,
        `/tmp/labbook-bench/${exp}/models/${id}/artifacts`,
        base + i,
        base + i,
        2,
        'active',
        'bench',
        run.info.runId,
        null,
      ]);
      metrics.push([id, 'acc', base + i, 0, (i % 1000) / 1000, exp, run.info.runId, null, 'eval', 'd1']);
    }
    await pool.query(
      'INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message) VALUES ?',
      [models],
    );
    await pool.query(
      'INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest) VALUES ?',
      [metrics],
    );
  }
  await pool.query('ANALYZE TABLE logged_models, logged_model_metrics');
  console.log(`inserted ${MODELS} models with one metric each in ${ms(insertStart).toFixed(0)} ms`);

  const time = async (f: () => Promise<number>) => {
    await f(); // warm pool connections and caches
    const times: number[] = [];
    let count = 0;
    for (let r = 0; r < REPEATS; r++) {
      const t = process.hrtime.bigint();
      count = await f();
      times.push(ms(t));
    }
    return { median: median(times), count };
  };

  const guarded = await time(async () => {
    const page = await store.searchLoggedModels({ experimentIds: [experimentId], filter: 'metrics.acc > 0.5', maxResults: PAGE });
    return page.items.length;
  });
  const ordered = await time(async () => {
    const page = await store.searchLoggedModels({
      experimentIds: [experimentId],
      filter: 'metrics.acc > 0.5',
      orderBy: [{ fieldName: 'metrics.acc', ascending: false }],
      maxResults: PAGE,
    });
    return page.items.length;
  });
  // The floor: the same page by hand, one statement, no params/tags/metrics loading.
  const rawPage = await time(async () => {
    const [rows] = (await pool.query(
      `SELECT lm.* FROM logged_models lm
       WHERE lm.experiment_id = ? AND lm.lifecycle_stage = 'active'
         AND (SELECT m.metric_value FROM logged_model_metrics m WHERE m.model_id = lm.model_id AND m.metric_name = 'acc'
              ORDER BY m.metric_timestamp_ms DESC, m.metric_step DESC LIMIT 1) > ?
       ORDER BY lm.creation_timestamp_ms DESC, lm.model_id ASC LIMIT ?`,
      [exp, 0.5, PAGE],
    )) as [unknown[]];
    return rows.length;
  });
  const verdict = guarded.median <= GOAL_MS ? 'ok' : 'OVER GOAL';
  console.log(
    `searchLoggedModels 'metrics.acc > 0.5', page of ${PAGE} over ${MODELS}: ${guarded.median.toFixed(1)} ms median of ${REPEATS} (${guarded.count} items; goal <= ${GOAL_MS} ms: ${verdict})`,
  );
  console.log(`  ordered by metrics.acc DESC: ${ordered.median.toFixed(1)} ms (${ordered.count} items)`);
  console.log(`  raw mysql2 SELECT of the same page (baseline): ${rawPage.median.toFixed(1)} ms (${rawPage.count} rows)`);
} finally {
  await pool.end();
  await store.close();
  await db.drop();
}
