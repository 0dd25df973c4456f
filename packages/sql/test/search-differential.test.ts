import { type Run, searchRunsInMemory } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type DialectDatabase } from './helpers/dialects.js';

// A fixed pseudo-random sequence keeps the data (and so the test) deterministic.
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const FILTERS = [
  '',
  'metrics.a > 0.5',
  'metrics.a <= 0.25',
  'metrics.a = 0',
  'metrics.a != 0.5',
  'metrics.b >= 0 AND metrics.a < 0.75',
  "params.p = 'x'",
  "params.p != 'X'",
  "params.p LIKE 'x%'",
  "params.p ILIKE 'X_'",
  "tags.t = 'Yes'",
  "tags.t ILIKE 'yes'",
  "attributes.status = 'FINISHED'",
  "attributes.run_name LIKE 'r1%'",
  'attributes.start_time > 20',
  "params.p = 'y' AND metrics.b > 0.2 AND tags.t != 'no'",
  // ±1e400 parse to ±Infinity; stored ±Inf reads back clamped to ±MAX_DOUBLE, as MLflow's SQL store.
  ...['>', '>=', '<', '<=', '=', '!='].flatMap((op) => [
    `metrics.a ${op} 1e400`,
    `metrics.a ${op} -1e400`,
    `attributes.start_time ${op} 1e400`,
    `attributes.start_time ${op} -1e400`,
    `attributes.end_time ${op} 1e400`,
    `attributes.end_time ${op} -1e400`,
  ]),
  'metrics.a >= 1.7976931348623157e308',
  'metrics.a <= -1.7976931348623157e308',
  'metrics.b < 1e300 AND attributes.start_time < 1e300 AND attributes.end_time > -1e300',
];
FILTERS.push(
  Array.from({ length: 72 }, (_, i) => `metrics.w${i} >= 0`).join(' AND '),
  Array.from({ length: 72 }, (_, i) => `metrics.w${i} != 1e400`).join(' AND '),
);
const ORDERS: string[][] = [
  [],
  ['metrics.a'],
  ['metrics.a DESC'],
  ['params.p', 'metrics.b DESC'],
  ['tags.t DESC'],
  ['attributes.start_time'],
  ['attributes.run_name DESC'],
  ['metrics.b', 'params.p DESC'],
];

describe.each(DIALECTS)('SQL run search on $label', ({ available, open }) => {
  describe.runIf(available)('equals the in-memory evaluator', () => {
    let db: DialectDatabase;
    let exp: string;
    let all: Run[];

    beforeAll(async () => {
      db = await open();
      const store = db.tracking;
      exp = await store.createExperiment('diff');
      const rnd = lcg(42);
      const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
      for (let i = 0; i < 40; i++) {
        const { info } = await store.createRun({ experimentId: exp, runName: `r${i}`, startTime: Math.floor(rnd() * 40) });
        const metrics = [];
        const a = pick([0, 0.25, 0.5, 0.75, 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined]);
        if (a !== undefined) metrics.push({ key: 'a', value: a, timestamp: 1, step: 0 });
        const b = pick([rnd(), -rnd(), undefined]);
        if (b !== undefined) metrics.push({ key: 'b', value: b, timestamp: 1, step: 0 });
        const p = pick(['x', 'X', 'xy', 'y', 'Y', undefined]);
        const t = pick(['Yes', 'yes', 'no', undefined]);
        await store.logBatch(info.runId, {
          metrics,
          params: p === undefined ? [] : [{ key: 'p', value: p }],
          tags: t === undefined ? [] : [{ key: 't', value: t }],
        });
        if (rnd() < 0.4) await store.updateRunInfo(info.runId, { status: 'FINISHED', endTime: 50 });
      }
      // A filter of more clauses than MySQL's 61-table join limit (and SQLite's 64, and PostgreSQL's
      // join_collapse_limit), compared like the others.
      await store.logBatch((await store.searchRuns({ experimentIds: [exp], maxResults: 1 })).items[0]!.info.runId, {
        metrics: Array.from({ length: 72 }, (_, i) => ({ key: `w${i}`, value: i, timestamp: 1, step: 0 })),
      });
      all = (await store.searchRuns({ experimentIds: [exp], maxResults: 1000 })).items;
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('for every filter and order', async () => {
      expect(all).toHaveLength(40);
      for (const filter of FILTERS) {
        for (const orderBy of ORDERS) {
          const sql = (await db.tracking.searchRuns({ experimentIds: [exp], filter, orderBy, maxResults: 1000 })).items.map(
            (r) => r.info.runName,
          );
          const mem = searchRunsInMemory(all, { filter, orderBy, maxResults: 1000 }).items.map((r) => r.info.runName);
          expect(sql, `${filter} / ${orderBy.join(', ')}`).toEqual(mem);
        }
      }
    });
  });
});
