import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

describe.runIf(available)('MysqlTrackingStore.searchRuns', () => {
  let db: MysqlTestDatabase;
  let store: MysqlTrackingStore;
  let exp: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/art' });
    exp = await store.createExperiment('search');
    const spec: [string, number | undefined, string | undefined, number][] = [
      ['a', 1, 'Adam', 100],
      ['b', 3, 'adam', 200],
      ['c', Number.NaN, 'Bob', 300],
      ['d', undefined, undefined, 400],
      ['e', 2, "it's", 500],
    ];
    for (const [name, metric, param, start] of spec) {
      const { info } = await store.createRun({ experimentId: exp, runName: name, startTime: start });
      ids[name] = info.runId;
      await store.logBatch(info.runId, {
        metrics: metric === undefined ? [] : [{ key: 'acc', value: metric, timestamp: 1, step: 0 }],
        params: param === undefined ? [] : [{ key: 'who', value: param }],
      });
    }
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const names = async (filter?: string, orderBy?: string[], maxResults?: number) =>
    (await store.searchRuns({ experimentIds: [exp], ...(filter ? { filter } : {}), ...(orderBy ? { orderBy } : {}), ...(maxResults ? { maxResults } : {}) })).items.map(
      (r) => r.info.runName,
    );

  it('orders by start_time DESC by default', async () => {
    expect(await names()).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('puts NaN then missing last in both directions', async () => {
    expect(await names(undefined, ['metrics.acc ASC'])).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect(await names(undefined, ['metrics.acc DESC'])).toEqual(['b', 'e', 'a', 'c', 'd']);
    expect(await names(undefined, ['params.who DESC'])).toEqual(['e', 'b', 'c', 'a', 'd']);
  });

  it('filters metrics, params and attributes case-sensitively', async () => {
    expect(await names('metrics.acc > 1.5')).toEqual(['e', 'b']);
    expect(await names('metrics.acc != 1')).toEqual(['e', 'c', 'b']);
    expect(await names("params.who = 'adam'")).toEqual(['b']);
    expect(await names("params.who LIKE 'A%'")).toEqual(['a']);
    expect(await names("params.who ILIKE 'a%'")).toEqual(['b', 'a']);
    expect(await names("params.who != 'Bob'")).toEqual(['e', 'b', 'a']);
    expect(await names("attributes.run_name = 'c'")).toEqual(['c']);
    expect(await names('attributes.start_time >= 300 AND metrics.acc < 100')).toEqual(['e']);
    expect(await names(`attributes.run_id IN ('${ids.a}', '${ids.d}')`)).toEqual(['d', 'a']);
    expect(await names("params.who = 'it''s'")).toEqual(['e']);
  });

  it('pages with a token whenever the page is full', async () => {
    const p1 = await store.searchRuns({ experimentIds: [exp], maxResults: 2 });
    const p2 = await store.searchRuns({ experimentIds: [exp], maxResults: 2, pageToken: p1.nextPageToken! });
    const p3 = await store.searchRuns({ experimentIds: [exp], maxResults: 2, pageToken: p2.nextPageToken! });
    expect([...p1.items, ...p2.items, ...p3.items].map((r) => r.info.runName)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(p3.nextPageToken).toBeUndefined();
    const full = await store.searchRuns({ experimentIds: [exp], maxResults: 5 });
    expect(full.nextPageToken).toBeDefined();
  });

  it('never turns a filter into SQL', async () => {
    const hostile = [
      "params.who = 'x' OR '1'='1'",
      "params.who = 'x'; DROP TABLE runs; --'",
      "params.`who'; DROP TABLE runs; --` = 'x'",
      'metrics.`acc) OR (1=1` > 0',
      "params.who LIKE '%' AND attributes.run_name = '' OR 1=1 --'",
      "tags.\"a\\\" OR 1=1\" = 'x'",
    ];
    for (const filter of hostile) {
      try {
        const r = await names(filter);
        expect(r.length).toBeLessThan(5);
      } catch (e) {
        expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
      }
    }
    expect(await names(undefined, ['params.`who; DROP TABLE runs` DESC'])).toHaveLength(5);
    const conn = await mysql.createConnection({ uri: db.url });
    const [rows] = (await conn.query('SELECT COUNT(*) AS n FROM runs')) as unknown as [{ n: number }[]];
    await conn.end();
    expect(Number(rows[0]!.n)).toBe(5);
  });
});
