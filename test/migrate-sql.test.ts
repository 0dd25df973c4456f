// migrate into and between the SQL stores (MySQL, PostgreSQL, SQLite) as built: the shared migrate
// suite against each, SQL → SQL copies compared entity by entity, and `labbook migrate` from a file
// store into a SQLite file through the built CLI.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MigrateOptions, migrate, validatedRegistryStore, validatedTrackingStore } from '@labbook/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  conflictCase,
  failingAfter,
  fileStores,
  fillSource,
  localArtifacts,
  migrateSuite,
  removeTempDirs,
  type Stores,
} from './harness/migrate-suite.js';
import { type SqlBackend, type SqlPair, sqlBackendAvailable, sqlPair } from './harness/sql-pairs.js';

const available: Record<SqlBackend, boolean> = {
  mysql: await sqlBackendAvailable('mysql'),
  postgres: await sqlBackendAvailable('postgres'),
  sqlite: await sqlBackendAvailable('sqlite'),
};
const BACKENDS = ['mysql', 'postgres', 'sqlite'] as const;
const NAMES: Record<SqlBackend, string> = { mysql: 'MySQL', postgres: 'PostgreSQL', sqlite: 'SQLite file' };

/** Every pair made by this file, dropped at the end even when a test failed before its own cleanup. */
const pairs: SqlPair[] = [];
afterAll(async () => {
  for (const p of pairs.splice(0)) await p.drop();
  removeTempDirs();
});

async function freshPair(backend: SqlBackend): Promise<SqlPair> {
  const p = await sqlPair(backend);
  pairs.push(p);
  return p;
}

/** A fresh pair as guarded stores, dropped by `cleanup` (and at the end of the file in any case). */
async function target(backend: SqlBackend): Promise<Stores> {
  const p = await freshPair(backend);
  return {
    tracking: validatedTrackingStore(p.tracking),
    registry: validatedRegistryStore(p.registry),
    cleanup: () => p.drop(),
    // MLflow's SQL stores keep ±Infinity as ±MAX_VALUE.
    clampsInfinity: true,
  };
}

const copy = (from: Stores, to: Stores, extra: Partial<MigrateOptions> = {}) =>
  migrate({
    source: from.tracking,
    target: to.tracking,
    sourceRegistry: from.registry,
    targetRegistry: to.registry,
    resolveArtifacts: localArtifacts,
    ...extra,
  });

async function closeAll(...stores: Stores[]): Promise<void> {
  for (const s of stores) {
    await s.tracking.close();
    await s.registry.close();
    await s.cleanup?.();
  }
}

/**
 * A file store holding the suite's data under SQL-sized experiment ids (1 and 2): filled in SQLite
 * and migrated into a fresh file store, which keeps the ids it imports.
 */
async function fileSourceWithSqlIds(root?: string): Promise<Stores & { runIds: string[] }> {
  const sqlite = await target('sqlite');
  const { runIds } = await fillSource(sqlite);
  const file = fileStores(root);
  try {
    const r = await copy(sqlite, file);
    expect(r.idsKept).toBe(true);
  } finally {
    await closeAll(sqlite);
  }
  return { ...file, runIds };
}

const sorted = <T extends { key: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.key.localeCompare(b.key));
const withoutTimes = <T extends object>(x: T, ...keys: (keyof T)[]) => ({ ...x, ...Object.fromEntries(keys.map((k) => [k, 0])) });

/** `b` holds what `a` holds: experiments, each run point for point, the registry. */
async function expectSameContent(a: Stores, b: Stores, runIds: readonly string[]): Promise<void> {
  const experiments = (await a.tracking.searchExperiments({ viewType: 'ALL' })).items;
  expect(experiments.length).toBe(3);
  for (const e of experiments) {
    const there = await b.tracking.getExperiment(e.experimentId);
    // Every store makes its own Default experiment (its location, its times): only the name is shared.
    if (e.experimentId === '0') {
      expect(there.name).toBe(e.name);
      continue;
    }
    expect({ ...there, tags: sorted(there.tags) }).toEqual({ ...e, tags: sorted(e.tags) });
  }
  for (const id of runIds) {
    const [x, y] = [await a.tracking.getRun(id), await b.tracking.getRun(id)];
    expect(y.info).toEqual(x.info);
    expect(sorted(y.data.params)).toEqual(sorted(x.data.params));
    expect(sorted(y.data.tags)).toEqual(sorted(x.data.tags));
    expect(sorted(y.data.metrics)).toEqual(sorted(x.data.metrics));
    expect(y.inputs).toEqual(x.inputs);
    for (const m of x.data.metrics) {
      const history = async (s: Stores) => (await s.tracking.getMetricHistory(id, m.key)).items;
      // Point for point, NaN and ±Infinity included (toEqual takes NaN as equal to NaN).
      expect(await history(b)).toEqual(await history(a));
    }
  }
  // A SQL store clamps ±Infinity to ±Number.MAX_VALUE as MLflow's does (mlflow-compat §4): the
  // target holds what the source's own SQL store (or a file store filled from one) holds.
  const loss = (await b.tracking.getMetricHistory(runIds[0]!, 'loss')).items.map((m) => m.value);
  expect(loss).toEqual([Number.NaN, Number.MAX_VALUE, -Number.MAX_VALUE, 0.5]);

  const models = await b.registry.searchRegisteredModels({});
  expect(models.items.map((m) => m.name)).toEqual(['clf']);
  const [ma, mb] = [await a.registry.getRegisteredModel('clf'), await b.registry.getRegisteredModel('clf')];
  expect(mb.aliases).toEqual(ma.aliases);
  expect(mb.tags).toEqual(ma.tags);
  expect(mb.description).toBe('a model');
  for (const v of ['1', '3']) {
    // The registry is copied through its ordinary calls: the target stamps its own times.
    const [va, vb] = [await a.registry.getModelVersion('clf', v), await b.registry.getModelVersion('clf', v)];
    expect(withoutTimes(vb, 'creationTimestamp', 'lastUpdatedTimestamp')).toEqual(
      withoutTimes(va, 'creationTimestamp', 'lastUpdatedTimestamp'),
    );
  }
  expect((await b.registry.getModelVersion('clf', '3')).currentStage).toBe('Production');
  expect((await b.registry.getModelVersionByAlias('clf', 'champion')).version).toBe('3');
  await expect(b.registry.getModelVersion('clf', '2')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
}

for (const backend of BACKENDS) {
  describe.skipIf(!available[backend])(`shared suite: file → ${NAMES[backend]}`, () => {
    migrateSuite(NAMES[backend], () => target(backend));
    conflictCase(() => target(backend));
  });

  describe.skipIf(!available[backend])(`migrate file → ${NAMES[backend]}`, () => {
    it("copies a file store's 18-digit experiment ids under ids of the target's, run and model ids kept", async () => {
      const source = fileStores();
      const to = await target(backend);
      try {
        const { runIds } = await fillSource(source);
        const report = await copy(source, to);
        expect(report.source).toEqual(report.target);
        const [sourceExperiment, targetExperiment] = [...report.experimentIds].find(([from]) => from !== '0')!;
        expect(Number(targetExperiment)).toBeLessThan(2 ** 31);
        const there = await to.tracking.getExperiment(targetExperiment);
        expect(there.tags).toContainEqual({ key: 'labbook.migrate.sourceExperimentId', value: sourceExperiment });
        expect((await to.tracking.getRun(runIds[0]!)).info.experimentId).toBe(
          report.experimentIds.get((await source.tracking.getRun(runIds[0]!)).info.experimentId),
        );
        const again = await copy(source, to);
        expect(again.written).toMatchObject({ experiments: 0, runs: 0, metricPoints: 0, versions: 0 });
      } finally {
        await closeAll(source, to);
        removeTempDirs();
      }
    });

    it('copies a file store with SQL-sized experiment ids, ids kept; a rerun writes nothing', async () => {
      const source = await fileSourceWithSqlIds();
      const to = await target(backend);
      try {
        const report = await copy(source, to);
        expect(report.idsKept).toBe(true);
        expect(report.source).toEqual(report.target);
        expect(report.source).toMatchObject({
          experiments: 3,
          runs: 5,
          params: 4,
          metricPoints: 20,
          inputs: 4,
          loggedModels: 1,
          versions: 2,
          aliases: 1,
        });
        await expectSameContent(source, to, source.runIds);
        expect((await to.tracking.getRun(source.runIds[3]!)).info.lifecycleStage).toBe('deleted');
        const again = await copy(source, to);
        expect(again.written).toMatchObject({ experiments: 0, runs: 0, metricPoints: 0, loggedModels: 0, versions: 0, aliases: 0 });
        expect(again.target).toEqual(report.target);
      } finally {
        await closeAll(source, to);
        removeTempDirs();
      }
    });

    it('resumes after an interruption without duplicating anything', async () => {
      const source = await fileSourceWithSqlIds();
      const to = await target(backend);
      try {
        await expect(copy(source, { ...to, tracking: failingAfter(to.tracking, 2) })).rejects.toMatchObject({
          code: 'TEMPORARILY_UNAVAILABLE',
        });
        const report = await copy(source, to);
        expect(report.source).toEqual(report.target);
        expect(report.skipped.runs).toBe(2);
        expect(report.written.runs).toBe(3);
        await expectSameContent(source, to, source.runIds);
      } finally {
        await closeAll(source, to);
        removeTempDirs();
      }
    });

    it('refuses a different run under the same id and leaves the target untouched', async () => {
      const source = await fileSourceWithSqlIds();
      const to = await target(backend);
      try {
        const [runId] = source.runIds;
        const run = await source.tracking.getRun(runId!);
        await to.tracking.importExperiment(await source.tracking.getExperiment(run.info.experimentId));
        await to.tracking.importRun({ run: { ...run, info: { ...run.info, startTime: 99 } }, metrics: [] });
        const error = await copy(source, to, { targetName: 'TARGET' }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
        expect((error as Error).message).toContain(runId);
        expect((await to.tracking.getRun(runId!)).info.startTime).toBe(99);
      } finally {
        await closeAll(source, to);
        removeTempDirs();
      }
    });
  });
}

// Each SQL store imports from another: MySQL → PostgreSQL as asked, and round the ring so every
// dialect is both a source and a target.
const RING: [SqlBackend, SqlBackend][] = [
  ['mysql', 'postgres'],
  ['postgres', 'sqlite'],
  ['sqlite', 'mysql'],
];
for (const [from, to] of RING) {
  describe.skipIf(!available[from] || !available[to])(`migrate ${NAMES[from]} → ${NAMES[to]}`, () => {
    it('copies everything with ids, histories and the registry kept; a rerun writes nothing', async () => {
      const source = await target(from);
      const dest = await target(to);
      try {
        const { runIds } = await fillSource(source);
        const report = await copy(source, dest);
        expect(report.idsKept).toBe(true);
        expect(report.source).toEqual(report.target);
        expect(report.source).toMatchObject({
          experiments: 3,
          runs: 5,
          params: 4,
          metricPoints: 20,
          inputs: 4,
          loggedModels: 1,
          versions: 2,
          aliases: 1,
        });
        for (const [a, b] of report.runIds) expect(b).toBe(a);
        for (const [a, b] of report.experimentIds) expect(b).toBe(a);
        await expectSameContent(source, dest, runIds);
        const again = await copy(source, dest);
        expect(again.written).toMatchObject({ experiments: 0, runs: 0, metricPoints: 0, loggedModels: 0, versions: 0, aliases: 0 });
        expect(again.target).toEqual(report.target);
      } finally {
        await closeAll(source, dest);
      }
    });
  });
}

describe.skipIf(!available.sqlite)('labbook migrate ./mlruns → sqlite:// (built CLI)', () => {
  const exec = promisify(execFile);
  const cli = join(import.meta.dirname, '..', 'packages', 'labbook', 'dist', 'cli.js');
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    removeTempDirs();
  });

  /** The CLI run from this folder, where discovery finds @labbook/plugin-sqlite in package.json. */
  async function labbook(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [cli, ...args], { cwd: import.meta.dirname });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  }

  /** A filled `mlruns` folder (closed, as a user's) and a SQLite file path beside it, in a fresh folder. */
  async function setup(sqlIds = true): Promise<{ mlruns: string; dbFile: string; uri: string; runIds: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-migrate-sqlite-cli-'));
    dirs.push(dir);
    const mlruns = join(dir, 'mlruns');
    let runIds: string[];
    if (sqlIds) {
      const source = await fileSourceWithSqlIds(mlruns);
      runIds = source.runIds;
      await closeAll(source);
    } else {
      const source = fileStores(mlruns);
      runIds = (await fillSource(source)).runIds;
      await closeAll(source);
    }
    const dbFile = join(dir, 'target.db');
    // Four slashes: an absolute path.
    return { mlruns, dbFile, uri: `sqlite:///${dbFile}`, runIds };
  }

  /** The SQLite file read with the SQLite store (built plugin). */
  async function openSqlite(uri: string): Promise<Stores> {
    const { SqliteDatabase, SqliteRegistryStore, SqliteTrackingStore } = await import('@labbook/plugin-sqlite');
    const db = new SqliteDatabase({ uri });
    return {
      tracking: validatedTrackingStore(new SqliteTrackingStore({ uri, database: db })),
      registry: validatedRegistryStore(new SqliteRegistryStore({ uri, database: db })),
    };
  }

  async function counts(s: Stores) {
    const experiments = (await s.tracking.searchExperiments({ viewType: 'ALL' })).items;
    const ids = experiments.map((e) => e.experimentId);
    const runs = (await s.tracking.searchRuns({ experimentIds: ids, viewType: 'ALL', maxResults: 1000 })).items;
    const loggedModels = (await s.tracking.searchLoggedModels({ experimentIds: ids })).items;
    const models = (await s.registry.searchRegisteredModels({})).items;
    const versions = (await s.registry.searchModelVersions({})).items;
    return {
      experiments: experiments.length,
      runs: runs.length,
      loggedModels: loggedModels.length,
      registeredModels: models.length,
      versions: versions.length,
    };
  }

  it('--dry-run writes nothing', async () => {
    const { mlruns, dbFile, uri } = await setup();
    const r = await labbook('migrate', '--from', mlruns, '--to', uri, '--dry-run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.written).toMatchObject({ experiments: 2, runs: 5, versions: 2 });
    // Reading the target may create the file with MLflow's schema and its Default experiment, no more.
    if (existsSync(dbFile)) {
      const s = await openSqlite(uri);
      try {
        expect(await counts(s)).toEqual({ experiments: 1, runs: 0, loggedModels: 0, registeredModels: 0, versions: 0 });
      } finally {
        await closeAll(s);
      }
    }
  });

  it('copies ./mlruns, the SQLite file holds what the source holds, a rerun writes nothing', async () => {
    const { mlruns, uri, runIds } = await setup();
    const first = await labbook('migrate', '--from', mlruns, '--to', uri, '--json');
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.source).toEqual(report.target);
    expect(report.idsKept).toBe(true);
    expect(report.target).toMatchObject({ experiments: 3, runs: 5, loggedModels: 1, registeredModels: 1, versions: 2, aliases: 1 });
    const source = fileStores(mlruns);
    const s = await openSqlite(uri);
    try {
      expect(await counts(s)).toEqual(await counts(source));
      await expectSameContent(source, s, runIds);
    } finally {
      await closeAll(source, s);
    }
    const again = await labbook('migrate', '--from', mlruns, '--to', uri, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).written).toMatchObject({ experiments: 0, runs: 0, metricPoints: 0, versions: 0, aliases: 0 });
  });

  it('copies an ./mlruns made by the file store (18-digit experiment ids), run ids kept', async () => {
    const { mlruns, uri, runIds } = await setup(false);
    const r = await labbook('migrate', '--from', mlruns, '--to', uri, '--json');
    expect(r.code, r.stderr).toBe(0);
    const target = await openSqlite(uri);
    try {
      for (const id of runIds) expect((await target.tracking.getRun(id)).info.runId).toBe(id);
    } finally {
      await closeAll(target);
    }
  });
});
