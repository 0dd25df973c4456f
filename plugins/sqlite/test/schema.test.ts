import { createRequire } from 'node:module';
import { LabbookError } from '@labbook/core';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ALEMBIC_HEAD, SqliteDatabase } from '../src/index.js';
import { tempFolder } from './helpers/files.js';
import { introspect } from './helpers/introspect.js';
import { EXPECTED } from './schema-expected.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const folder = tempFolder();
afterAll(() => folder.remove());

describe('schema', () => {
  it("is MLflow's at bf29a5ff90ea: tables, columns, types, nullability, keys, constraints and indexes", async () => {
    const db = new SqliteDatabase({ uri: folder.uri('schema.db'), artifactRoot: '/srv/artifacts' });
    try {
      await db.ready();
      const shape = introspect(db.connection());
      expect(Object.keys(shape).sort()).toEqual(Object.keys(EXPECTED).sort());
      for (const [table, expected] of Object.entries(EXPECTED)) expect(shape[table], table).toEqual(expected);
      const c = db.connection();
      expect(c.prepare('SELECT version_num FROM alembic_version').all()).toEqual([{ version_num: ALEMBIC_HEAD }]);
      expect(c.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage FROM experiments').all()).toEqual([
        { experiment_id: 0, name: 'Default', artifact_location: '/srv/artifacts/0', lifecycle_stage: 'active' },
      ]);
      // MLflow's file has no AUTOINCREMENT: ids are rowids, the next one past the largest.
      expect(c.prepare("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'").all()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('is left alone when already at the head, and opened again by a second process-like database', async () => {
    const uri = folder.uri('twice.db');
    const a = new SqliteDatabase({ uri });
    await a.ready();
    a.connection().prepare("INSERT INTO experiments (name, lifecycle_stage) VALUES ('kept', 'active')").run();
    await a.close();
    const b = new SqliteDatabase({ uri });
    await b.ready();
    expect(b.connection().prepare('SELECT experiment_id, name FROM experiments ORDER BY experiment_id').all()).toEqual([
      { experiment_id: 0, name: 'Default' },
      { experiment_id: 1, name: 'kept' },
    ]);
    await b.close();
  });

  it("refuses another head with MLflow's upgrade message", async () => {
    const file = `${folder.dir}/old.db`;
    const raw = new Database(file);
    raw.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('3da73c924c2f')",
    );
    raw.close();
    const db = new SqliteDatabase({ uri: `sqlite:///${file}` });
    const e = await db.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    await db.close();
    expect(LabbookError.is(e)).toBe(true);
    expect((e as Error).message).toContain('found version 3da73c924c2f, but expected bf29a5ff90ea');
    expect((e as Error).message).toContain('mlflow db upgrade');
  });

  it('refuses MLflow tables without a revision row', async () => {
    const file = `${folder.dir}/norev.db`;
    const raw = new Database(file);
    raw.exec('CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY)');
    raw.close();
    const db = new SqliteDatabase({ uri: `sqlite:///${file}` });
    await expect(db.ready()).rejects.toThrow(/found version None/);
    await db.close();
  });
});
