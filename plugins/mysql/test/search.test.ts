import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuardedTrackingStore, validatedRegistryStore, validatedTrackingStore } from '@labbook/core';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

describe.runIf(available)('MysqlTrackingStore.searchRuns', () => {
  let db: MysqlTestDatabase;
  let raw: MysqlTrackingStore;
  let store: GuardedTrackingStore;
  let exp: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = (await testDatabase())!;
    raw = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/art' });
    store = validatedTrackingStore(raw);
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
    (
      await store.searchRuns({
        experimentIds: [exp],
        ...(filter ? { filter } : {}),
        ...(orderBy ? { orderBy } : {}),
        ...(maxResults ? { maxResults } : {}),
      })
    ).items.map((r) => r.info.runName);

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
      'tags."a\\" OR 1=1" = \'x\'',
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

  it('refuses page tokens whose offset is not a positive safe integer, in every search', async () => {
    const registry = validatedRegistryStore(new MysqlRegistryStore({ database: raw.db }));
    const token = (offset: string) => Buffer.from(`{"offset": ${offset}}`).toString('base64');
    for (const offset of ['1e20', '9007199254740992', '1e400', '-1e400', '0', '-1', '2.5']) {
      const pageToken = token(offset);
      const searches = [
        () => store.searchRuns({ experimentIds: [exp], pageToken }),
        () => store.searchExperiments({ pageToken }),
        () => registry.searchRegisteredModels({ pageToken }),
        () => registry.searchModelVersions({ pageToken }),
      ];
      for (const search of searches) {
        const e = await search().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(LabbookError.is(e) && e.code, offset).toBe('INVALID_PARAMETER_VALUE');
        expect((e as Error).message).toContain('Invalid page token');
      }
    }
    // The largest safe offset is a valid (empty) page, not an SQL error.
    expect((await store.searchRuns({ experimentIds: [exp], pageToken: token(String(Number.MAX_SAFE_INTEGER)) })).items).toEqual([]);
  });

  it('compares with ±1e400 (Infinity) as with any number, without putting it in the SQL', async () => {
    // acc: a=1, b=3, c=NaN, d missing, e=2. NaN matches only !=; missing never matches.
    expect(await names('metrics.acc > 1e400')).toEqual([]);
    expect(await names('metrics.acc >= 1e400')).toEqual([]);
    expect(await names('metrics.acc < 1e400')).toEqual(['e', 'b', 'a']);
    expect(await names('metrics.acc <= 1e400')).toEqual(['e', 'b', 'a']);
    expect(await names('metrics.acc = 1e400')).toEqual([]);
    expect(await names('metrics.acc != 1e400')).toEqual(['e', 'c', 'b', 'a']);
    expect(await names('metrics.acc > -1e400')).toEqual(['e', 'b', 'a']);
    expect(await names('metrics.acc < -1e400')).toEqual([]);
    expect(await names('metrics.acc != -1e400')).toEqual(['e', 'c', 'b', 'a']);
    expect(await names('attributes.start_time > 1e400')).toEqual([]);
    expect(await names('attributes.start_time < 1e400')).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await names('attributes.start_time > -1e400')).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await names('attributes.start_time <= -1e400')).toEqual([]);
    expect(await names('attributes.start_time != 1e400')).toEqual(['e', 'd', 'c', 'b', 'a']);
    // end_time is unset on these runs: no comparison matches a missing value.
    expect(await names('attributes.end_time < 1e400')).toEqual([]);
    // Finite numbers too large for a BIGINT still compare.
    expect(await names('attributes.start_time < 1e300 AND metrics.acc > -1e300')).toEqual(['e', 'b', 'a']);
  });

  it.each([72, 150])('answers a filter of %i clauses (past the 61-table join limit)', async (count) => {
    const { info } = await store.createRun({ experimentId: exp, runName: `wide${count}`, startTime: 1 });
    const keys = Array.from({ length: count }, (_, i) => i);
    // Past the batch limits on purpose: the raw store, not the guard.
    await raw.logBatch(info.runId, {
      metrics: keys.map((i) => ({ key: `m${i}`, value: i + 1, timestamp: 1, step: 0 })),
      params: keys.map((i) => ({ key: `p${i}`, value: `v${i}` })),
      tags: keys.map((i) => ({ key: `t${i}`, value: `w${i}` })),
    });
    try {
      const metrics = keys.map((i) => `metrics.m${i} > 0`).join(' AND ');
      const params = keys.map((i) => `params.p${i} = 'v${i}'`).join(' AND ');
      const tags = keys.map((i) => `tags.t${i} LIKE 'w%'`).join(' AND ');
      expect(await names(metrics)).toEqual([`wide${count}`]);
      expect(await names(params)).toEqual([`wide${count}`]);
      expect(await names(tags)).toEqual([`wide${count}`]);
      expect(await names(`${metrics} AND ${params} AND ${tags}`, ['metrics.m0 DESC', 'params.p1', 'tags.t2'])).toEqual([`wide${count}`]);
      // One clause that fails leaves nothing.
      expect(await names(`${metrics} AND metrics.m${count - 1} > ${count}`)).toEqual([]);
    } finally {
      await store.deleteRun(info.runId);
    }
  });

  it('refuses more order keys than MySQL can join, naming the limit', async () => {
    expect(
      await names(
        undefined,
        Array.from({ length: 60 }, (_, i) => `metrics.k${i}`),
      ),
    ).toHaveLength(5);
    const e = await names(
      undefined,
      Array.from({ length: 61 }, (_, i) => `params.k${i}`),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect((e as LabbookError).message).toMatch(/61 tables.*at most 60/);
  });
});
