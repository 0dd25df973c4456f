import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as loggedModels from '../src/logged-models.js';
import { DIALECTS, type DialectDatabase } from './helpers/dialects.js';

/**
 * The ported logged-model and registry statements on every dialect, each stressing its own part:
 * - MySQL folds case in its default collations (exact names need BINARY) and upserts through
 *   ON DUPLICATE KEY UPDATE, which the concurrent imports and version numbers race on;
 * - PostgreSQL aborts a transaction after any failed statement (a lost insert race must not poison
 *   the rest), types booleans strictly and compares text exactly;
 * - SQLite (a temporary file) takes row values, upserts through ON CONFLICT and lets one writer in
 *   at a time.
 */
describe.each(DIALECTS)('SQL core on $label', ({ available, open }) => {
  describe.runIf(available)('logged models and the registry', () => {
    let db: DialectDatabase;

    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('creates, finalizes, tags, searches and deletes logged models', async () => {
      const experimentId = await db.tracking.createExperiment(`lm-${randomBytes(4).toString('hex')}`);
      const run = await db.tracking.createRun({ experimentId, startTime: 1000 });
      const created = await db.tracking.createLoggedModel({
        experimentId,
        name: 'clf',
        sourceRunId: run.info.runId,
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [{ key: 'team', value: 'ml' }],
      });
      const id = created.info.modelId;
      await db.tracking.logBatch(run.info.runId, {
        metrics: [
          { key: 'rmse', value: 0.5, timestamp: 10, step: 0, modelId: id },
          { key: 'rmse', value: Number.NaN, timestamp: 20, step: 1, modelId: id },
          { key: 'acc', value: 0.9, timestamp: 10, step: 0, modelId: id },
        ],
      });
      await db.tracking.logOutputs(run.info.runId, [{ modelId: id, step: 2 }]);
      await db.tracking.finalizeLoggedModel(id, 'LOGGED_MODEL_READY');
      await expect(db.tracking.finalizeLoggedModel(id, 'LOGGED_MODEL_UPLOAD_FAILED')).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await expect(db.tracking.logLoggedModelParams(id, [{ key: 'alpha', value: '0.7' }])).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await db.tracking.setLoggedModelTags(id, [{ key: 'team', value: 'core' }]);
      await expect(db.tracking.deleteLoggedModelTag(id, 'TEAM')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });

      const search = (filter: string, orderBy?: string[]) =>
        db.tracking.searchLoggedModels({ experimentIds: [experimentId], filter, ...(orderBy ? { orderBy } : {}) });
      expect((await search("status = 'LOGGED_MODEL_READY' AND tags.team = 'core' AND params.alpha LIKE '0.%'")).items).toHaveLength(1);
      expect((await search('metrics.acc > 0.5')).items).toHaveLength(1);
      // The latest rmse point is NaN: it differs from every number and matches no comparison.
      expect((await search('metrics.rmse != 0.5')).items).toHaveLength(1);
      expect((await search('metrics.rmse < 1')).items).toHaveLength(0);
      expect((await search("name ILIKE 'CL%'", ['metrics.rmse DESC', 'name'])).items).toHaveLength(1);
      expect((await db.tracking.getRun(run.info.runId)).outputs).toEqual({ modelOutputs: [{ modelId: id, step: 2 }] });

      await db.tracking.deleteLoggedModel(id);
      await expect(db.tracking.getLoggedModel(id)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('imports a model, answers a rerun with exists and refuses other data', async () => {
      const experimentId = await db.tracking.createExperiment(`lm-${randomBytes(4).toString('hex')}`);
      const other = await db.tracking.createExperiment(`lm-${randomBytes(4).toString('hex')}`);
      const run = await db.tracking.createRun({ experimentId, startTime: 1000 });
      const modelId = `m-${randomBytes(16).toString('hex')}`;
      const model = {
        info: {
          modelId,
          experimentId,
          name: 'imported',
          artifactUri: '',
          creationTimestampMs: 1700000000000,
          lastUpdatedTimestampMs: 1700000000500,
          sourceRunId: run.info.runId,
          status: 'LOGGED_MODEL_READY' as const,
          tags: [{ key: 'k', value: 'v' }],
        },
        data: {
          params: [{ key: 'p', value: '1' }],
          metrics: [{ key: 'm', value: Number.NaN, timestamp: 1, step: 0, modelId, runId: run.info.runId }],
        },
      };
      expect(await loggedModels.importLoggedModel(db.sql, model)).toBe('created');
      expect(await loggedModels.importLoggedModel(db.sql, model)).toBe('exists');
      const outcomes = await Promise.all([1, 2, 3].map(() => loggedModels.importLoggedModel(db.sql, model)));
      expect(outcomes).toEqual(['exists', 'exists', 'exists']);
      await expect(
        loggedModels.importLoggedModel(db.sql, { ...model, info: { ...model.info, experimentId: other } }),
      ).rejects.toMatchObject({
        code: 'RESOURCE_ALREADY_EXISTS',
      });
      const back = await db.tracking.getLoggedModel(modelId);
      expect(back.info.artifactUri).toBe(`s3://bucket/mlruns/${experimentId}/models/${modelId}/artifacts`);
      expect(back.data).toEqual(model.data);

      // Concurrent first imports: one writes, the others find it.
      for (let round = 0; round < 10; round++) {
        const id = `m-${randomBytes(16).toString('hex')}`;
        const copy = {
          info: { ...model.info, modelId: id },
          data: { params: model.data.params, metrics: [{ ...model.data.metrics[0]!, modelId: id }] },
        };
        const first = await Promise.all([1, 2, 3, 4].map(() => loggedModels.importLoggedModel(db.sql, copy)));
        expect(first.filter((o) => o === 'created')).toHaveLength(1);
      }
    });

    it('keeps the registry: exact names, upserted tags and aliases, numbered versions under concurrency', async () => {
      await db.registry.createRegisteredModel('CaseModel', [
        { key: 'k', value: '1' },
        { key: 'k', value: '2' },
      ]);
      await expect(db.registry.createRegisteredModel('CaseModel')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
      await expect(db.registry.getRegisteredModel('casemodel')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      const versions = await Promise.all(
        Array.from({ length: 6 }, (_, i) => db.registry.createModelVersion({ name: 'CaseModel', source: `s3://v/${i}` })),
      );
      expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      await db.registry.setModelVersionTag('CaseModel', '1', { key: 't', value: 'a' });
      await db.registry.setModelVersionTag('CaseModel', '1', { key: 't', value: 'b' });
      await db.registry.setRegisteredModelAlias('CaseModel', 'champion', '1');
      await db.registry.setRegisteredModelAlias('CaseModel', 'champion', '3');
      await db.registry.transitionModelVersionStage('CaseModel', '3', 'Production', true);
      expect((await db.registry.getModelVersionByAlias('CaseModel', 'champion')).version).toBe('3');
      expect((await db.registry.getModelVersion('CaseModel', '1')).tags).toEqual([{ key: 't', value: 'b' }]);
      const m = await db.registry.getRegisteredModel('CaseModel');
      expect(m.tags).toEqual([{ key: 'k', value: '2' }]);
      expect(m.aliases).toEqual([{ alias: 'champion', version: '3' }]);
      expect(m.latestVersions.map((v) => [v.version, v.currentStage])).toEqual([
        ['6', 'None'],
        ['3', 'Production'],
      ]);
      await db.registry.renameRegisteredModel('CaseModel', 'Renamed');
      await db.registry.createRegisteredModel('Taken');
      await expect(db.registry.renameRegisteredModel('Renamed', 'Taken')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
      await db.registry.deleteModelVersion('Renamed', '6');
      expect((await db.registry.createModelVersion({ name: 'Renamed', source: 's3://v/7' })).version).toBe('7');
      await db.registry.deleteRegisteredModel('Renamed');
      await expect(db.registry.getRegisteredModel('Renamed')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    });
  });
});
