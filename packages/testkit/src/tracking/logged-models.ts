import { describe, it } from 'vitest';
import { expectInvalid, expectLabbookError } from '../assertions.js';
import type { TrackingSuiteContext } from './context.js';

const MODEL_ID = /^m-[0-9a-f]{32}$/;

/**
 * Logged models (MLflow 3) through the store: create, get, finalize, delete, tags, params, metrics
 * linked by `modelId`, run outputs, and search with MLflow's logged-model grammar. Stores without
 * the capability must make the guard answer FEATURE_DISABLED.
 */
export function trackingLoggedModelTests(ctx: TrackingSuiteContext): void {
  describe('logged models', () => {
    if (!ctx.capabilities.loggedModels) {
      it('are refused with FEATURE_DISABLED by a store that does not keep them', async ({ expect }) => {
        expect(ctx.store.supportsLoggedModels).toBe(false);
        const experimentId = await ctx.newExperiment('lm-none');
        await expectLabbookError(expect, () => ctx.store.createLoggedModel({ experimentId }), 'FEATURE_DISABLED', 'logged models');
      });
      return;
    }

    it('creates a PENDING model with a generated id, name and artifact location, and reads it back', async ({ expect }) => {
      expect(ctx.store.supportsLoggedModels).toBe(true);
      const run = await ctx.newRun();
      const before = Date.now();
      const model = await ctx.store.createLoggedModel({
        experimentId: run.info.experimentId,
        sourceRunId: run.info.runId,
        modelType: 'classifier',
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 'team', value: 'ml' }],
      });
      expect(model.info.modelId).toMatch(MODEL_ID);
      expect(model.info).toMatchObject({
        experimentId: run.info.experimentId,
        sourceRunId: run.info.runId,
        modelType: 'classifier',
        status: 'LOGGED_MODEL_PENDING',
      });
      expect(model.info.name).not.toBe('');
      expect(model.info.artifactUri).toMatch(new RegExp(`models/${model.info.modelId}/artifacts$`));
      expect(model.info.creationTimestampMs).toBeGreaterThanOrEqual(before - 1000);
      expect(model.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(model.info.tags).toContainEqual({ key: 'team', value: 'ml' });
      const got = await ctx.store.getLoggedModel(model.info.modelId);
      expect(got.info).toMatchObject({ modelId: model.info.modelId, name: model.info.name, status: 'LOGGED_MODEL_PENDING' });
    });

    it('finalizes once: READY stays READY, and a final status cannot change', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('lm-final');
      const model = await ctx.store.createLoggedModel({ experimentId, name: 'final' });
      const ready = await ctx.store.finalizeLoggedModel(model.info.modelId, 'LOGGED_MODEL_READY');
      expect(ready.info.status).toBe('LOGGED_MODEL_READY');
      expect((await ctx.store.finalizeLoggedModel(model.info.modelId, 'LOGGED_MODEL_READY')).info.status).toBe('LOGGED_MODEL_READY');
      await expectLabbookError(
        expect,
        () => ctx.store.finalizeLoggedModel(model.info.modelId, 'LOGGED_MODEL_UPLOAD_FAILED'),
        'INVALID_PARAMETER_VALUE',
      );
      await expectInvalid(expect, () => ctx.store.finalizeLoggedModel(model.info.modelId, 'LOGGED_MODEL_PENDING'), 'status');
      expect((await ctx.store.getLoggedModel(model.info.modelId)).info.status).toBe('LOGGED_MODEL_READY');
    });

    it('sets and deletes tags, adds params once, and deletes the model', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('lm-tags');
      const { info } = await ctx.store.createLoggedModel({ experimentId, name: 'tagged' });
      await ctx.store.setLoggedModelTags(info.modelId, [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ]);
      await ctx.store.setLoggedModelTags(info.modelId, [{ key: 'a', value: '3' }]);
      await ctx.store.deleteLoggedModelTag(info.modelId, 'b');
      await expectLabbookError(expect, () => ctx.store.deleteLoggedModelTag(info.modelId, 'b'), 'RESOURCE_DOES_NOT_EXIST');
      await ctx.store.logLoggedModelParams(info.modelId, [{ key: 'depth', value: '4' }]);
      await ctx.store.logLoggedModelParams(info.modelId, [{ key: 'depth', value: '4' }]);
      await expectInvalid(expect, () => ctx.store.logLoggedModelParams(info.modelId, [{ key: 'depth', value: '5' }]), 'depth');
      const got = await ctx.store.getLoggedModel(info.modelId);
      const tags = Object.fromEntries(got.info.tags.map((t) => [t.key, t.value]));
      expect(tags.a).toBe('3');
      expect(tags.b).toBeUndefined();
      expect(got.data.params).toEqual([{ key: 'depth', value: '4' }]);
      await ctx.store.deleteLoggedModel(info.modelId);
      await expectLabbookError(expect, () => ctx.store.getLoggedModel(info.modelId), 'RESOURCE_DOES_NOT_EXIST', info.modelId);
      await expectLabbookError(expect, () => ctx.store.finalizeLoggedModel(info.modelId, 'LOGGED_MODEL_READY'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses unknown ids, malformed ids and tags over the limits, naming the field', async ({ expect }) => {
      await expectLabbookError(expect, () => ctx.store.getLoggedModel(`m-${'0'.repeat(32)}`), 'RESOURCE_DOES_NOT_EXIST');
      await expectInvalid(expect, () => ctx.store.getLoggedModel('../etc'), 'model_id');
      const experimentId = await ctx.newExperiment('lm-bad');
      const { info } = await ctx.store.createLoggedModel({ experimentId });
      await expectInvalid(expect, () => ctx.store.setLoggedModelTags(info.modelId, [{ key: 'x'.repeat(251), value: 'v' }]), 'key');
      await expectInvalid(expect, () => ctx.store.createLoggedModel({ experimentId, name: 'a/b' }), 'name');
      await expectLabbookError(expect, () => ctx.store.createLoggedModel({ experimentId: '999999999' }), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('links metrics logged with a modelId and run outputs', async ({ expect }) => {
      const run = await ctx.newRun();
      const { info } = await ctx.store.createLoggedModel({ experimentId: run.info.experimentId, sourceRunId: run.info.runId });
      await ctx.store.logBatch(run.info.runId, {
        metrics: [
          { key: 'acc', value: 0.5, timestamp: 1000, step: 0, modelId: info.modelId },
          { key: 'acc', value: 0.75, timestamp: 2000, step: 1, modelId: info.modelId, datasetName: 'test', datasetDigest: 'd1' },
        ],
      });
      await ctx.store.logOutputs(run.info.runId, [{ modelId: info.modelId, step: 1 }]);
      const got = await ctx.store.getLoggedModel(info.modelId);
      const acc = got.data.metrics.filter((m) => m.key === 'acc');
      expect(acc.map((m) => m.value).sort()).toEqual([0.5, 0.75]);
      expect(acc.every((m) => m.modelId === info.modelId && m.runId === run.info.runId)).toBe(true);
      expect(acc.find((m) => m.value === 0.75)).toMatchObject({ datasetName: 'test', datasetDigest: 'd1' });
      expect((await ctx.store.getRun(run.info.runId)).outputs?.modelOutputs).toEqual([{ modelId: info.modelId, step: 1 }]);
    });

    it('searches with the logged-model grammar, datasets, order_by objects and pages', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('lm-search');
      const run = await ctx.store.createRun({ experimentId, startTime: Date.now() });
      const ids: Record<string, string> = {};
      for (const [name, acc, type] of [
        ['alpha', 0.9, 'tree'],
        ['beta', 0.7, 'tree'],
        ['gamma', 0.8, 'linear'],
        ['delta', undefined, 'linear'],
      ] as const) {
        const m = await ctx.store.createLoggedModel({
          experimentId,
          name,
          modelType: type,
          sourceRunId: run.info.runId,
          params: [{ key: 'kind', value: type }],
        });
        ids[name] = m.info.modelId;
        if (acc !== undefined) {
          await ctx.store.logBatch(run.info.runId, {
            metrics: [
              { key: 'acc', value: acc, timestamp: 1000, step: 0, modelId: m.info.modelId, datasetName: 'eval', datasetDigest: 'e1' },
            ],
          });
        }
      }
      await ctx.store.finalizeLoggedModel(ids.alpha!, 'LOGGED_MODEL_READY');
      const names = async (options: Partial<Parameters<typeof ctx.store.searchLoggedModels>[0]>) =>
        (await ctx.store.searchLoggedModels({ experimentIds: [experimentId], ...options })).items.map((m) => m.info.name);
      expect((await names({ filter: 'metrics.acc > 0.75' })).sort()).toEqual(['alpha', 'gamma']);
      expect(await names({ filter: "params.kind = 'tree'", orderBy: [{ fieldName: 'metrics.acc', ascending: true }] })).toEqual([
        'beta',
        'alpha',
      ]);
      expect(await names({ orderBy: ['metrics.acc DESC'] })).toEqual(['alpha', 'gamma', 'beta', 'delta']);
      expect(await names({ filter: "status = 'LOGGED_MODEL_READY'" })).toEqual(['alpha']);
      expect((await names({ filter: "model_type IN ('linear')" })).sort()).toEqual(['delta', 'gamma']);
      expect((await names({ datasets: [{ datasetName: 'eval' }] })).sort()).toEqual(['alpha', 'beta', 'gamma']);
      expect(await names({ datasets: [{ datasetName: 'other' }], filter: 'metrics.acc > 0' })).toEqual([]);
      const first = await ctx.store.searchLoggedModels({ experimentIds: [experimentId], maxResults: 3, orderBy: [{ fieldName: 'name' }] });
      expect(first.items.map((m) => m.info.name)).toEqual(['alpha', 'beta', 'delta']);
      expect(first.nextPageToken).toBeDefined();
      const second = await ctx.store.searchLoggedModels({
        experimentIds: [experimentId],
        maxResults: 3,
        orderBy: [{ fieldName: 'name' }],
        pageToken: first.nextPageToken!,
      });
      expect(second.items.map((m) => m.info.name)).toEqual(['gamma']);
      await expectInvalid(
        expect,
        () => ctx.store.searchLoggedModels({ experimentIds: [experimentId], filter: 'metrics.acc >> 1' }),
        'filter',
      );
      await expectInvalid(
        expect,
        () => ctx.store.searchLoggedModels({ experimentIds: [experimentId], orderBy: [{ fieldName: 'params.kind' }] }),
        'metrics.<name>',
      );
    });

    it('keeps concurrent finalize and delete consistent: never a half-written model', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('lm-race');
      const { info } = await ctx.store.createLoggedModel({ experimentId });
      const results = await Promise.allSettled([
        ctx.store.finalizeLoggedModel(info.modelId, 'LOGGED_MODEL_READY'),
        ctx.store.deleteLoggedModel(info.modelId),
      ]);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('RESOURCE_DOES_NOT_EXIST');
      await expectLabbookError(expect, () => ctx.store.getLoggedModel(info.modelId), 'RESOURCE_DOES_NOT_EXIST');
      expect((await ctx.store.searchLoggedModels({ experimentIds: [experimentId] })).items).toEqual([]);
    });
  });
}
