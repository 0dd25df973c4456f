// Core owns the query: buildQuery parses and checks a request once and applies MLflow's defaults;
// pageOf turns a store's answer (a page, or candidates) into the page callers see.
import { describe, expect, it } from 'vitest';
import {
  buildExperimentsQuery,
  buildModelVersionsQuery,
  buildRegisteredModelsQuery,
  buildRunsQuery,
  encodePageToken,
  pageOf,
  type Run,
} from '../src/plugin.js';
import { caught } from './caught.js';

function run(id: string, loss: number | undefined, start: number): Run {
  return {
    info: {
      runId: id,
      runUuid: id,
      runName: id,
      experimentId: '0',
      userId: 'u',
      status: 'FINISHED',
      startTime: start,
      artifactUri: `file:///x/${id}`,
      lifecycleStage: 'active',
    },
    data: { metrics: loss === undefined ? [] : [{ key: 'loss', value: loss, timestamp: 1, step: 0 }], params: [], tags: [] },
    inputs: { datasetInputs: [] },
  };
}

describe('buildQuery', () => {
  it('parses the filter and order_by once, lists the keys each reads, and applies the defaults', () => {
    const q = buildRunsQuery({
      experimentIds: ['1'],
      filter: "metrics.loss < 1 and params.lr = '0.1' and tags.team = 'ml' and attributes.status = 'FINISHED' and dataset.name = 'x'",
      orderBy: ['metrics.acc DESC'],
    });
    expect(q.filter.clauses).toHaveLength(5);
    expect([...q.reads.filter.metrics]).toEqual(['loss']);
    expect([...q.reads.filter.params]).toEqual(['lr']);
    expect([...q.reads.filter.tags]).toEqual(['team']);
    expect([...q.reads.filter.attributes]).toEqual(['status']);
    expect(q.reads.filter.datasets).toBe(true);
    expect([...q.reads.order.metrics]).toEqual(['acc']);
    expect(q.page).toEqual({ maxResults: 1000, offset: 0 });
    expect(q.viewType).toBe('ACTIVE_ONLY');
    // The caller's order, then MLflow's tie-breaks.
    expect(q.order.map((o) => `${o.identifier.type}.${o.identifier.key} ${o.ascending ? 'ASC' : 'DESC'}`)).toEqual([
      'metric.acc DESC',
      'attribute.start_time DESC',
      'attribute.run_id ASC',
    ]);
    expect(q.source).toEqual({ filter: expect.any(String), orderBy: ['metrics.acc DESC'], maxResults: 1000 });
  });

  it('uses each entity default order and page size from one table', () => {
    expect(buildExperimentsQuery({}).order.map((o) => o.identifier.key)).toEqual(['creation_time', 'experiment_id']);
    expect(buildExperimentsQuery({}).page.maxResults).toBe(1000);
    expect(buildRegisteredModelsQuery().page.maxResults).toBe(100);
    expect(buildModelVersionsQuery().order.map((o) => o.identifier.key)).toEqual(['name', 'version_number']);
    expect(buildModelVersionsQuery().page.maxResults).toBe(10000);
    expect(buildRunsQuery({ experimentIds: [], pageToken: encodePageToken(40) }).page.offset).toBe(40);
  });

  it('fails with the field, the limit and the position', () => {
    const tooMany = caught(() => buildRegisteredModelsQuery({ maxResults: 1001 }));
    expect(tooMany.code).toBe('INVALID_PARAMETER_VALUE');
    expect(tooMany.message).toContain('between 1 and 1000');
    const view = caught(() => buildRunsQuery({ experimentIds: [], viewType: 'SOME' as never }));
    expect(view.message).toContain("'run_view_type'");
    expect(view.message).toContain('ACTIVE_ONLY, DELETED_ONLY, ALL');
    const typo = caught(() => buildRunsQuery({ experimentIds: [], filter: 'metrics.loss < 1 and parms.lr = 1' }));
    expect(typo.code).toBe('INVALID_PARAMETER_VALUE');
    expect(typo.message).toMatch(/position|column|at /i);
    const orderBy = caught(() => buildExperimentsQuery({ orderBy: 'name' as never }));
    expect(orderBy.message).toContain("'order_by'");
  });
});

describe('pageOf', () => {
  const runs = [run('a', 0.5, 3), run('b', 0.9, 2), run('c', undefined, 1), run('d', 0.1, 4)];

  it('filters, orders and pages candidates, and completes only the page', async () => {
    const q = buildRunsQuery({ experimentIds: ['0'], filter: 'metrics.loss < 1', orderBy: ['metrics.loss ASC'], maxResults: 2 });
    const completed: string[][] = [];
    const page = await pageOf(q, {
      kind: 'candidates',
      items: runs,
      complete: (items) => {
        completed.push(items.map((r) => r.info.runId));
        return items;
      },
    });
    expect(page.items.map((r) => r.info.runId)).toEqual(['d', 'a']);
    expect(page.nextPageToken).toBe(encodePageToken(2));
    expect(completed).toEqual([['d', 'a']]);
    const next = await pageOf(buildRunsQuery({ ...q.source, experimentIds: ['0'], pageToken: page.nextPageToken! }), {
      kind: 'candidates',
      items: runs,
    });
    expect(next.items.map((r) => r.info.runId)).toEqual(['b']);
    expect(next.nextPageToken).toBeUndefined();
  });

  it('trusts a store that says it filtered, and passes a native page through', async () => {
    const q = buildRunsQuery({ experimentIds: ['0'], filter: 'metrics.loss < 0' });
    expect((await pageOf(q, { kind: 'candidates', items: runs, filtered: true })).items).toHaveLength(4);
    expect((await pageOf(q, { kind: 'candidates', items: runs })).items).toHaveLength(0);
    const native = { items: [runs[0]!], nextPageToken: 'x' };
    expect(await pageOf(q, { kind: 'page', page: native })).toBe(native);
  });
});
