import { describe, it } from 'vitest';
import { expectInvalid } from '../assertions.js';
import type { TrackingSuiteContext } from './context.js';

/** Search through the store: filters, ordering with NaN and missing keys, paging, view types. */
export function trackingSearchTests(ctx: TrackingSuiteContext): void {
  describe('search', () => {
    async function seed() {
      const experimentId = await ctx.newExperiment('search');
      const specs = [
        { name: 'a', rmse: 0.5, model: 'GBM', team: 'ml' },
        { name: 'b', rmse: Number.NaN, model: 'gbm', team: undefined },
        { name: 'c', rmse: 0.9, model: 'linear', team: 'data' },
        { name: 'd', rmse: undefined, model: 'gbm_v2', team: 'ml' },
      ];
      const ids: Record<string, string> = {};
      let t = 1_700_000_000_000;
      for (const s of specs) {
        t += 1000;
        const run = await ctx.store.createRun({ experimentId, runName: s.name, startTime: t });
        ids[s.name] = run.info.runId;
        await ctx.store.logBatch(run.info.runId, {
          ...(s.rmse === undefined ? {} : { metrics: [{ key: 'rmse', value: s.rmse, timestamp: t, step: 0 }] }),
          params: [{ key: 'model', value: s.model }],
          ...(s.team ? { tags: [{ key: 'team', value: s.team }] } : {}),
        });
      }
      return { experimentId, ids };
    }

    const names = (runs: { info: { runName: string } }[]) => runs.map((r) => r.info.runName);

    it('filters on metrics, params, tags and attributes with MLflow semantics', async ({ expect }) => {
      const { experimentId, ids } = await seed();
      const q = async (filter: string) => names((await ctx.store.searchRuns({ experimentIds: [experimentId], filter })).items).sort();
      expect(await q('metrics.rmse < 1')).toEqual(['a', 'c']);
      expect(await q("params.model = 'gbm'")).toEqual(['b']);
      expect(await q("params.model LIKE 'gbm%'")).toEqual(['b', 'd']);
      expect(await q("params.model ILIKE 'gbm%'")).toEqual(['a', 'b', 'd']);
      expect(await q("tags.team != 'ml'")).toEqual(['c']);
      expect(await q("attributes.run_name = 'c'")).toEqual(['c']);
      expect(await q(`attributes.run_id IN ('${ids.a}', '${ids.d}')`)).toEqual(['a', 'd']);
      expect(await q("attributes.status = 'RUNNING' and metrics.rmse >= 0.5 and params.model != 'linear'")).toEqual(['a']);
    });

    it('orders real values first, then NaN, then missing keys, in ASC and DESC', async ({ expect }) => {
      const { experimentId } = await seed();
      const order = async (orderBy: string[]) => names((await ctx.store.searchRuns({ experimentIds: [experimentId], orderBy })).items);
      expect(await order(['metrics.rmse ASC'])).toEqual(['a', 'c', 'b', 'd']);
      expect(await order(['metrics.rmse DESC'])).toEqual(['c', 'a', 'b', 'd']);
      expect(await order(['tags.team DESC'])).toEqual(['d', 'a', 'c', 'b']);
      expect(await order([])).toEqual(['d', 'c', 'b', 'a']);
      expect(await order(['attributes.start_time ASC'])).toEqual(['a', 'b', 'c', 'd']);
    });

    it('pages through every result with tokens', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('paging');
      const created = new Set<string>();
      for (let i = 0; i < 7; i++) created.add((await ctx.store.createRun({ experimentId, startTime: 1_700_000_000_000 + i })).info.runId);
      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await ctx.store.searchRuns({ experimentIds: [experimentId], maxResults: 3, ...(pageToken ? { pageToken } : {}) });
        seen.push(...page.items.map((r) => r.info.runId));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken && pages < 10);
      expect(seen).toHaveLength(7);
      expect(new Set(seen)).toEqual(created);
      expect(pages).toBeLessThanOrEqual(ctx.capabilities.searchPaging === 'tokenWhenFull' ? 4 : 3);
    });

    it('honours view types for runs and experiments', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('views');
      const kept = await ctx.store.createRun({ experimentId });
      const gone = await ctx.store.createRun({ experimentId });
      await ctx.store.deleteRun(gone.info.runId);
      const ids = async (viewType: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
        (await ctx.store.searchRuns({ experimentIds: [experimentId], viewType })).items.map((r) => r.info.runId).sort();
      expect(await ids('ACTIVE_ONLY')).toEqual([kept.info.runId]);
      expect(await ids('DELETED_ONLY')).toEqual([gone.info.runId]);
      expect(await ids('ALL')).toEqual([kept.info.runId, gone.info.runId].sort());
      const deletedExperiment = await ctx.newExperiment('views-deleted');
      await ctx.store.deleteExperiment(deletedExperiment);
      const active = (await ctx.store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: 50000 })).items.map((e) => e.experimentId);
      const deleted = (await ctx.store.searchExperiments({ viewType: 'DELETED_ONLY', maxResults: 50000 })).items.map((e) => e.experimentId);
      expect(active).toContain(experimentId);
      expect(active).not.toContain(deletedExperiment);
      expect(deleted).toContain(deletedExperiment);
    });

    it('searches experiments by name and tag', async ({ expect }) => {
      const prefix = `find-${Math.random().toString(16).slice(2, 8)}`;
      await ctx.store.createExperiment(`${prefix}-one`, undefined, [{ key: 'team', value: 'ml' }]);
      await ctx.store.createExperiment(`${prefix}-two`);
      const byName = await ctx.store.searchExperiments({ filter: `name LIKE '${prefix}-%'`, orderBy: ['name DESC'] });
      expect(byName.items.map((e) => e.name)).toEqual([`${prefix}-two`, `${prefix}-one`]);
      const byTag = await ctx.store.searchExperiments({ filter: `name LIKE '${prefix}-%' and tags.team = 'ml'` });
      expect(byTag.items.map((e) => e.name)).toEqual([`${prefix}-one`]);
    });

    it('reports a bad filter, order or page token with INVALID_PARAMETER_VALUE', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('bad-search');
      await expectInvalid(expect, () => ctx.store.searchRuns({ experimentIds: [experimentId], filter: 'metrics.rmse < abc' }), 'position');
      await expectInvalid(
        expect,
        () => ctx.store.searchRuns({ experimentIds: [experimentId], filter: 'metrics.a = 1 OR metrics.b = 2' }),
        'OR',
      );
      await expectInvalid(expect, () => ctx.store.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.a', 'metrics.a DESC'] }));
      await expectInvalid(expect, () => ctx.store.searchRuns({ experimentIds: [experimentId], pageToken: 'garbage!' }), 'page token');
    });
  });

  describe('concurrent writers', () => {
    it('loses nothing when many batches are logged to one run at once', async ({ expect }) => {
      const id = (await ctx.newRun()).info.runId;
      const writers = 8;
      const perWriter = 50;
      await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          (async () => {
            for (let i = 0; i < perWriter; i += 10) {
              await ctx.store.logBatch(id, {
                metrics: Array.from({ length: 10 }, (_, k) => ({
                  key: 'shared',
                  value: w * 1000 + i + k,
                  timestamp: 1_700_000_000_000 + i + k,
                  step: i + k,
                })),
                params: [{ key: `writer-${w}-${i}`, value: String(w) }],
                tags: [{ key: `tag-${w}`, value: String(i) }],
              });
            }
          })(),
        ),
      );
      const history = await ctx.store.getMetricHistory(id, 'shared');
      expect(history.items).toHaveLength(writers * perWriter);
      expect(new Set(history.items.map((m) => m.value)).size).toBe(writers * perWriter);
      const run = await ctx.store.getRun(id);
      expect(run.data.params).toHaveLength(writers * (perWriter / 10));
      expect(run.data.tags.filter((t) => t.key.startsWith('tag-'))).toHaveLength(writers);
    });
  });
}
