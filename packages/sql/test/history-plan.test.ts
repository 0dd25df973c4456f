import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions, SqlResult } from '../src/driver.js';
import { DIALECTS, type DialectDatabase } from './helpers/dialects.js';

/** What each database's EXPLAIN prints, as one string. */
const EXPLAIN: Record<string, (sql: string) => string> = {
  mysql: (sql) => `EXPLAIN ${sql}`,
  postgresql: (sql) => `EXPLAIN ${sql}`,
  sqlite: (sql) => `EXPLAIN QUERY PLAN ${sql}`,
};

/**
 * A metric-history read must find the run's points through index_metrics_run_uuid. MLflow's primary
 * key leads with the metric key, and SQLite's and PostgreSQL's planners, left alone, scan it: one
 * read then costs every run's points of that key (14.6 ms at 400 runs of 1000 points on SQLite,
 * growing with the runs). The plan of the statement the store really sends is checked.
 */
describe.each(DIALECTS.filter((d) => d.name !== 'mysql'))('metric history on $label', ({ name, available, open }) => {
  describe.runIf(available)('reads through the run index', () => {
    let db: DialectDatabase;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => db?.drop());

    it('plans the history statement on index_metrics_run_uuid', async () => {
      const experimentId = await db.tracking.createExperiment('plan');
      const run = await db.tracking.createRun({ experimentId });
      await db.tracking.logBatch(run.info.runId, {
        metrics: Array.from({ length: 50 }, (_, i) => ({ key: `m${i % 5}`, value: i, timestamp: i, step: i })),
      });
      // The statements the store sends, seen at its driver.
      const inner = (db.tracking as unknown as { inner: { db: { driver: { run: (...a: unknown[]) => Promise<SqlResult> } } } }).inner;
      const driver = inner.db.driver;
      const sent: { sql: string; values: readonly unknown[] }[] = [];
      const run0 = driver.run.bind(driver);
      driver.run = (sql: unknown, values?: unknown, options?: unknown) => {
        sent.push({ sql: sql as string, values: (values as unknown[]) ?? [] });
        return run0(sql, values, options as RunOptions);
      };
      const history = await db.tracking.getMetricHistory(run.info.runId, 'm0');
      driver.run = run0;
      expect(history.items).toHaveLength(10);
      const statement = sent.find((s) => s.sql.includes('FROM metrics WHERE run_uuid'));
      expect(statement, 'the history statement').toBeDefined();
      const plan = await db.sql.query<Record<string, unknown>>(EXPLAIN[name]!(statement!.sql), [...statement!.values]);
      expect(JSON.stringify(plan)).toContain('index_metrics_run_uuid');
    });
  });
});
