// A migrate suite over any pair of stores: each case builds a fresh source (a file store it fills)
// and a fresh target from the factory it is given, so the same cases run against any backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GuardedRegistryStore,
  type GuardedTrackingStore,
  LabbookError,
  type TrackingStore,
  validatedRegistryStore,
  validatedTrackingStore,
  migrate,
  type ArtifactRepository,
  SafeArtifactRepository,
} from '@labbook/core';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '@labbook/plugin-file';

/** Artifact repositories for file URIs (core's tests register no plugins). */
export const localArtifacts = async (uri: string) => new SafeArtifactRepository(new LocalArtifactRepository(uri));

export interface Stores {
  tracking: GuardedTrackingStore;
  registry: GuardedRegistryStore;
  cleanup?: () => Promise<void>;
  /** True for a target that stores ±Infinity as ±Number.MAX_VALUE (MLflow's SQL stores clamp them). */
  clampsInfinity?: boolean;
  /** How this target's artifact URIs are opened (default: file URIs only). */
  resolveArtifacts?: (uri: string) => Promise<ArtifactRepository>;
}

const dirs: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'labbook-migrate-'));
  dirs.push(d);
  return d;
}

/** A file store pair rooted in a fresh temp folder. */
export function fileStores(root = join(tempDir(), 'mlruns')): Stores {
  return {
    tracking: validatedTrackingStore(new FileTrackingStore({ root, fsync: false })),
    registry: validatedRegistryStore(new FileRegistryStore({ root, fsync: false })),
  };
}

/** A store that hides the import methods, as a backend without them. */
export function withoutImport(store: GuardedTrackingStore): GuardedTrackingStore {
  const inner = (store as unknown as { inner: TrackingStore }).inner;
  const hidden: TrackingStore = Object.create(inner);
  for (const m of ['importExperiment', 'importRun', 'importLoggedModel'] as const) Object.defineProperty(hidden, m, { value: undefined });
  return validatedTrackingStore(hidden);
}

/** A store whose importRun/createRun fails after `n` runs, as an interrupted migration. */
export function failingAfter(store: GuardedTrackingStore, n: number): GuardedTrackingStore {
  const inner = (store as unknown as { inner: TrackingStore }).inner;
  const wrapped: TrackingStore = Object.create(inner);
  let count = 0;
  const boom = () => {
    if (count++ >= n) throw new LabbookError('TEMPORARILY_UNAVAILABLE', 'interrupted');
  };
  if (inner.importRun) {
    const importRun = inner.importRun.bind(inner);
    Object.defineProperty(wrapped, 'importRun', {
      value: (r: Parameters<typeof importRun>[0]) => {
        boom();
        return importRun(r);
      },
    });
  }
  const createRun = inner.createRun.bind(inner);
  Object.defineProperty(wrapped, 'createRun', {
    value: (o: Parameters<typeof createRun>[0]) => {
      boom();
      return createRun(o);
    },
  });
  return validatedTrackingStore(wrapped);
}

/** Fills a source: two experiments (one deleted), runs with NaN/±Inf histories, inputs, a logged model, a registry with a gap. */
export async function fillSource(s: Stores): Promise<{ runIds: string[] }> {
  const t = s.tracking;
  const exp = await t.createExperiment('train', undefined, [{ key: 'team', value: 'a' }]);
  const gone = await t.createExperiment('old');
  const runIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const run = await t.createRun({ experimentId: exp, startTime: 1000 + i, runName: `r${i}`, tags: [{ key: 'k', value: `v${i}` }] });
    const id = run.info.runId;
    runIds.push(id);
    await t.logBatch(id, {
      params: [{ key: 'lr', value: String(i) }],
      metrics: [
        { key: 'loss', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'loss', value: Number.POSITIVE_INFINITY, timestamp: 2, step: 1 },
        { key: 'loss', value: Number.NEGATIVE_INFINITY, timestamp: 3, step: 2 },
        { key: 'loss', value: 0.5, timestamp: 4, step: 3 },
        { key: 'acc/top1', value: 0.9, timestamp: 4, step: 3 },
      ],
    });
    await t.logInputs(id, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'ds', digest: `d${i}`, sourceType: 'local', source: '/x' },
      },
    ]);
    await t.updateRunInfo(id, { status: 'FINISHED', endTime: 2000 + i });
  }
  await t.deleteRun(runIds[3]!);
  const old = await t.createRun({ experimentId: gone, startTime: 5 });
  runIds.push(old.info.runId);
  await t.deleteExperiment(gone);
  const model = await t.createLoggedModel({ experimentId: exp, name: 'net', sourceRunId: runIds[0]!, params: [{ key: 'p', value: '1' }] });
  await t.finalizeLoggedModel(model.info.modelId, 'LOGGED_MODEL_READY');
  const r = s.registry;
  await r.createRegisteredModel('clf', [{ key: 'owner', value: 'me' }], 'a model');
  for (let i = 0; i < 3; i++) await r.createModelVersion({ name: 'clf', source: `runs:/${runIds[i]}/model`, runId: runIds[i]! });
  await r.deleteModelVersion('clf', '2');
  await r.transitionModelVersionStage('clf', '3', 'Production', false);
  await r.setRegisteredModelAlias('clf', 'champion', '3');
  await r.setModelVersionTag('clf', '1', { key: 'q', value: 'ok' });
  return { runIds };
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The cases, against targets made by `makeTarget`. */
export function migrateSuite(name: string, makeTarget: () => Promise<Stores>): void {
  describe(`migrate → ${name}`, () => {
    const open: Stores[] = [];
    afterEach(async () => {
      for (const s of open.splice(0)) {
        await s.tracking.close();
        await s.registry.close();
        await s.cleanup?.();
      }
      removeTempDirs();
    });
    const pair = async () => {
      const source = fileStores();
      const target = await makeTarget();
      open.push(source, target);
      const filled = await fillSource(source);
      return { source, target, ...filled };
    };
    const run = (source: Stores, target: Stores, extra: Partial<Parameters<typeof migrate>[0]> = {}) =>
      migrate({
        source: source.tracking,
        target: target.tracking,
        sourceRegistry: source.registry,
        targetRegistry: target.registry,
        resolveArtifacts: target.resolveArtifacts ?? localArtifacts,
        ...extra,
      });

    it('copies everything with ids kept when the target imports', async () => {
      const { source, target, runIds } = await pair();
      const progress: number[] = [];
      const report = await run(source, target, { onProgress: (p) => progress.push(p.done.runs) });
      expect(report.idsKept).toBe(target.tracking.supportsImport);
      expect(report.source).toEqual(report.target);
      expect(report.source).toMatchObject({
        experiments: 3,
        runs: 5,
        params: 4,
        metricPoints: 20,
        inputs: 4,
        registeredModels: 1,
        versions: 2,
        aliases: 1,
      });
      expect(progress.at(-1)).toBe(5);
      if (!target.tracking.supportsImport) return;
      const copied = await target.tracking.getRun(runIds[0]!);
      expect(copied.info.runName).toBe('r0');
      expect((await target.tracking.getRun(runIds[3]!)).info.lifecycleStage).toBe('deleted');
      const history = await target.tracking.getMetricHistory(runIds[0]!, 'loss');
      const infinity = target.clampsInfinity ? Number.MAX_VALUE : Number.POSITIVE_INFINITY;
      expect(history.items.map((m) => m.value)).toEqual([Number.NaN, infinity, -infinity, 0.5]);
      expect(copied.inputs.datasetInputs[0]?.dataset.digest).toBe('d0');
      const v3 = await target.registry.getModelVersion('clf', '3');
      expect(v3.currentStage).toBe('Production');
      expect((await target.registry.getModelVersionByAlias('clf', 'champion')).version).toBe('3');
      await expect(target.registry.getModelVersion('clf', '2')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect((await target.registry.getModelVersion('clf', '1')).tags).toEqual([{ key: 'q', value: 'ok' }]);
      if (target.tracking.supportsLoggedModelImport) expect(report.target.loggedModels).toBe(1);
      // A rerun writes nothing.
      const again = await run(source, target);
      expect(again.written).toMatchObject({ runs: 0, versions: 0, aliases: 0, loggedModels: 0, experiments: 0 });
      expect(again.target).toEqual(report.target);
    });

    it('resumes after an interruption without duplicating anything', async () => {
      const { source, target } = await pair();
      await expect(run(source, { ...target, tracking: failingAfter(target.tracking, 2) })).rejects.toMatchObject({
        code: 'TEMPORARILY_UNAVAILABLE',
      });
      const report = await run(source, target);
      expect(report.source).toEqual(report.target);
      expect(report.skipped.runs).toBe(2);
      expect(report.written.runs).toBe(3);
    });

    it('writes nothing in a dry run', async () => {
      const { source, target } = await pair();
      const before = await target.tracking.searchExperiments({ viewType: 'ALL' });
      const report = await run(source, target, { dryRun: true });
      expect(report.written.runs).toBe(5);
      expect(report.written.versions).toBe(2);
      const after = await target.tracking.searchExperiments({ viewType: 'ALL' });
      expect(after.items.length).toBe(before.items.length);
      await expect(target.registry.getRegisteredModel('clf')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('copies with new ids into a target without import, resumable by tag', async () => {
      const { source, target, runIds } = await pair();
      const hidden = { ...target, tracking: withoutImport(target.tracking) };
      await expect(run(source, { ...hidden, tracking: failingAfter(hidden.tracking, 2) })).rejects.toMatchObject({
        code: 'TEMPORARILY_UNAVAILABLE',
      });
      const report = await run(source, hidden);
      expect(report.idsKept).toBe(false);
      expect(report.source).toEqual(report.target);
      expect(report.skipped.runs).toBe(2);
      for (const [from, to] of report.runIds) expect(to).not.toBe(from);
      const version = await target.registry.getModelVersion('clf', '1');
      const mapped = report.runIds.get(runIds[0]!);
      expect(version.runId).toBe(mapped);
      expect(version.source).toBe(`runs:/${mapped}/model`);
      const copied = await target.tracking.getRun(mapped!);
      expect(copied.data.tags.find((t) => t.key === 'labbook.migrate.sourceRunId')?.value).toBe(runIds[0]);
      expect(copied.data.tags.some((t) => t.key === 'labbook.migrate.incomplete')).toBe(false);
    });
  });
}

/** A run with the same id but another start time already in the target is refused, and the target left as it was. */
export function conflictCase(makeTarget: () => Promise<Stores>): void {
  it('refuses a different run under the same id and leaves the target untouched', async () => {
    const source = fileStores();
    const target = await makeTarget();
    try {
      const exp = await source.tracking.createExperiment('e');
      // The experiment first, as migrate copies it (under another id where the target cannot keep the source's).
      const first = await migrate({ source: source.tracking, target: target.tracking });
      const targetExperiment = first.experimentIds.get(exp)!;
      const run = await source.tracking.createRun({ experimentId: exp, startTime: 1 });
      const other = { ...run, info: { ...run.info, experimentId: targetExperiment, startTime: 99 } };
      await target.tracking.importRun({ run: other, metrics: [] });
      const error = await migrate({ source: source.tracking, target: target.tracking, targetName: 'TARGET' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as LabbookError).code).toBe('RESOURCE_ALREADY_EXISTS');
      expect((error as Error).message).toContain(run.info.runId);
      expect((await target.tracking.getRun(run.info.runId)).info.startTime).toBe(99);
    } finally {
      await source.tracking.close();
      await target.tracking.close();
      await target.cleanup?.();
      removeTempDirs();
    }
  });
}
