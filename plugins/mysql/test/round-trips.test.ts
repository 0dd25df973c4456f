import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

/** The statement text of a mysql2 `query` call (a string or `{ sql }`). */
function sqlOf(query: unknown): string {
  return typeof query === 'string' ? query : String((query as { sql?: unknown }).sql);
}

/**
 * A pool that records every statement sent through it or through a connection it hands out: each
 * is one round trip to the server (mysql2 sends one command at a time on a connection).
 */
function countingPool(pool: Pool, log: string[]): Pool {
  const record = <T extends object>(target: T, wrap: (name: PropertyKey, fn: (...args: unknown[]) => unknown) => unknown): T =>
    new Proxy(target, {
      get(t, name) {
        const value = Reflect.get(t, name, t) as unknown;
        return typeof value === 'function' ? wrap(name, (value as (...args: unknown[]) => unknown).bind(t)) : value;
      },
    });
  const connection = (conn: PoolConnection) =>
    record(conn, (name, fn) =>
      name === 'query'
        ? (...args: unknown[]) => {
            log.push(sqlOf(args[0]));
            return fn(...args);
          }
        : fn,
    );
  return record(pool, (name, fn) => {
    if (name === 'query') {
      return (...args: unknown[]) => {
        log.push(sqlOf(args[0]));
        return fn(...args);
      };
    }
    if (name === 'getConnection') return async () => connection((await fn()) as PoolConnection);
    return fn;
  });
}

/** The first word of each statement, for a readable failure. */
const verbs = (log: string[]) => log.map((sql) => sql.trim().split(/\s+/)[0]!.toUpperCase());

describe.runIf(available)('round trips of the run lifecycle', () => {
  let db: MysqlTestDatabase;
  let raw: Pool;
  let store: MysqlTrackingStore;
  const log: string[] = [];

  beforeAll(async () => {
    db = (await testDatabase())!;
    raw = mysql.createPool({ uri: db.url, connectionLimit: 2 });
    store = new MysqlTrackingStore({ pool: countingPool(raw, log), artifactRoot: '/tmp/labbook-round-trips' });
  });
  afterAll(async () => {
    await store?.close();
    await raw?.end();
    await db?.drop();
  });

  // These counts are the point of the run-lifecycle work: raising one is a regression to justify.
  it('creates, logs a metric and a param and ends a run in 11 statements', async () => {
    const exp = await store.createExperiment('round-trips');
    // The first run of an experiment reads it (its artifact location); later runs do not.
    await store.createRun({ experimentId: exp });
    const tags = [
      { key: 'mlflow.user', value: 'u' },
      { key: 'mlflow.source.name', value: 's.ts' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ];

    log.length = 0;
    const run = await store.createRun({ experimentId: exp, startTime: 1_700_000_000_000, tags, runName: 'r', userId: 'u' });
    expect(verbs(log)).toEqual(['START', 'INSERT', 'INSERT', 'COMMIT']);
    // Built from what was written, it is what a read returns.
    expect(run).toEqual(await store.getRun(run.info.runId));

    log.length = 0;
    await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 0.5, timestamp: 1_700_000_000_001, step: 0 }] });
    expect(verbs(log)).toEqual(['START', 'INSERT', 'INSERT', 'COMMIT']);

    log.length = 0;
    await store.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.01' }] });
    expect(verbs(log)).toEqual(['INSERT']);

    log.length = 0;
    const info = await store.updateRunInfo(run.info.runId, { status: 'FINISHED', endTime: 1_700_000_000_002 });
    expect(verbs(log)).toEqual(['UPDATE', 'SELECT']);
    expect(info).toEqual((await store.getRun(run.info.runId)).info);
    expect(info).toMatchObject({ status: 'FINISHED', endTime: 1_700_000_000_002, runName: 'r', userId: 'u' });

    const read = await store.getRun(run.info.runId);
    expect(read.data.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 1_700_000_000_001, step: 0 }]);
    expect(read.data.params).toEqual([{ key: 'lr', value: '0.01' }]);
  });

  it('still reads what it needs for errors and no-ops', async () => {
    const exp = await store.createExperiment('round-trips-errors');
    const run = await store.createRun({ experimentId: exp });
    const id = run.info.runId;
    await store.logBatch(id, { params: [{ key: 'lr', value: '0.01' }] });
    // The same value again is a no-op; another value is an error, whatever path found it.
    await store.logBatch(id, { params: [{ key: 'lr', value: '0.01' }] });
    await expect(store.logBatch(id, { params: [{ key: 'lr', value: '0.02' }] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    const point = { key: 'm', value: 1, timestamp: 5, step: 0 };
    await store.logBatch(id, { metrics: [point] });
    await store.logBatch(id, { metrics: [point] });
    expect((await store.getMetricHistory(id, 'm')).items).toEqual([point]);
    await store.deleteRun(id);
    await expect(store.logBatch(id, { metrics: [point] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(store.logBatch(id, { params: [{ key: 'x', value: '1' }] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(store.updateRunInfo(id, { status: 'FINISHED', endTime: 1 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect((await store.getRun(id)).info.status).toBe('RUNNING');
    // Another casing of the id is not the run, even where the collation says it is equal.
    await store.restoreRun(id);
    await expect(store.updateRunInfo(id.toUpperCase(), { status: 'KILLED' })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(store.logBatch(id.toUpperCase(), { params: [{ key: 'y', value: '1' }] })).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect((await store.getRun(id)).info.status).toBe('RUNNING');
    await expect(store.updateRunInfo('0'.repeat(32), { status: 'KILLED' })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    // A deleted experiment takes no runs, though its artifact location is cached.
    await store.deleteExperiment(exp);
    await expect(store.createRun({ experimentId: exp })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});
