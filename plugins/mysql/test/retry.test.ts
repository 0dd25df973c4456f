import { LabbookError } from '@labbook/core';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

/**
 * A real pool whose connections fail the next statement matching `pattern` once with `code`, as the
 * server does on a deadlock or a dropped connection (the statement has not run).
 */
function faultyPool(real: Pool): { pool: Pool; failNext(pattern: RegExp, code: string): void; pending(): boolean } {
  let fault: { pattern: RegExp; code: string } | undefined;
  const wrap = (conn: PoolConnection): PoolConnection =>
    new Proxy(conn, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (sql: unknown, values?: unknown) => {
          const text = typeof sql === 'string' ? sql : String((sql as { sql: string }).sql);
          if (fault && fault.pattern.test(text)) {
            const error = Object.assign(new Error(`injected ${fault.code}`), { code: fault.code });
            fault = undefined;
            return Promise.reject(error);
          }
          return target.query(sql as never, values as never);
        };
      },
    });
  const pool = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'getConnection') return async () => wrap(await target.getConnection());
      return Reflect.get(target, prop, receiver);
    },
  });
  return {
    pool,
    failNext: (pattern, code) => {
      fault = { pattern, code };
    },
    pending: () => fault !== undefined,
  };
}

describe.runIf(available)('transient failures', () => {
  let db: MysqlTestDatabase;
  let real: Pool;
  let store: MysqlTrackingStore;
  let failNext: (pattern: RegExp, code: string) => void;
  let pending: () => boolean;

  beforeAll(async () => {
    db = (await testDatabase())!;
    real = mysql.createPool({ uri: db.url, connectionLimit: 3 });
    const faulty = faultyPool(real);
    failNext = faulty.failNext;
    pending = faulty.pending;
    store = new MysqlTrackingStore({ pool: faulty.pool });
  });
  afterAll(async () => {
    await store?.close();
    await real?.end();
    await db?.drop();
  });

  it('re-runs an idempotent logBatch after a deadlock, writing everything once', async () => {
    const { info } = await store.createRun({ experimentId: '0' });
    failNext(/INSERT INTO latest_metrics/, 'ER_LOCK_DEADLOCK');
    await store.logBatch(info.runId, {
      metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: 'v' }],
    });
    expect(pending()).toBe(false);
    const run = await store.getRun(info.runId);
    expect(run.data.metrics.map((m) => m.value)).toEqual([1]);
    expect(run.data.params).toEqual([{ key: 'p', value: 'v' }]);
    expect((await store.getMetricHistory(info.runId, 'm')).items).toHaveLength(1);
  });

  it('re-runs an idempotent logBatch after a lost connection', async () => {
    const { info } = await store.createRun({ experimentId: '0' });
    failNext(/INSERT IGNORE INTO metrics/, 'PROTOCOL_CONNECTION_LOST');
    await store.logBatch(info.runId, { metrics: [{ key: 'm', value: 2, timestamp: 1, step: 0 }] });
    expect(pending()).toBe(false);
    expect((await store.getRun(info.runId)).data.metrics.map((m) => m.value)).toEqual([2]);
  });

  it('does not repeat a non-idempotent write; it reports TEMPORARILY_UNAVAILABLE and leaves nothing behind', async () => {
    failNext(/UPDATE experiments SET artifact_location/, 'PROTOCOL_CONNECTION_LOST');
    let err: unknown;
    try {
      await store.createExperiment('once');
    } catch (e) {
      err = e;
    }
    expect(pending()).toBe(false);
    expect(LabbookError.is(err) && err.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(await store.getExperimentByName('once')).toBeNull();
  });
});
