import { LabbookError } from '@labbook/core';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/index.js';
import { EXPECTED_SCHEMA } from './expected-schema.js';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';
import { introspect } from './helpers/introspect.js';

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!LabbookError.is(e)) throw new Error(`expected a LabbookError, got ${String(e)}`);
  return e;
}

describe.runIf(available)('schema', () => {
  let db: PostgresTestDatabase;
  let conn: pg.Client;

  beforeAll(async () => {
    db = (await testDatabase())!;
    // Several processes' worth of databases racing to initialise one empty database.
    const racers = Array.from({ length: 4 }, () => new PostgresDatabase({ uri: db.url, artifactRoot: '/srv/mlruns' }));
    await Promise.all(racers.map((r) => r.ready()));
    await Promise.all(racers.map((r) => r.close()));
    conn = await db.connect();
  });
  afterAll(async () => {
    await conn?.end();
    await db?.drop();
  });

  it("has MLflow's tables, columns, types, nullability, defaults, keys, constraints and indexes at bf29a5ff90ea, by name", async () => {
    const actual = await introspect(conn);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(EXPECTED_SCHEMA).sort());
    for (const [table, spec] of Object.entries(EXPECTED_SCHEMA)) expect(actual[table], table).toEqual(spec);
  });

  it('holds the alembic head once and one Default experiment with id 0; the next experiment gets 1', async () => {
    expect((await conn.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: 'bf29a5ff90ea' }]);
    const e = await conn.query('SELECT experiment_id, name, artifact_location, lifecycle_stage FROM experiments');
    expect(e.rows).toEqual([{ experiment_id: 0, name: 'Default', artifact_location: '/srv/mlruns/0', lifecycle_stage: 'active' }]);
    await conn.query('BEGIN');
    const next = await conn.query("INSERT INTO experiments (name) VALUES ('probe') RETURNING experiment_id");
    await conn.query('ROLLBACK');
    expect(next.rows).toEqual([{ experiment_id: 1 }]);
  });

  it('refuses a database at another revision, naming both heads and what to run', async () => {
    const other = (await testDatabase())!;
    const store = new PostgresDatabase({ uri: other.url });
    try {
      const c = await other.connect();
      await c.query('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)');
      await c.query("INSERT INTO alembic_version VALUES ('0584bdc529eb')");
      await c.end();
      const e = await failure(store.ready());
      expect(e.message).toMatch(
        /^\[labbook\] \[postgresql\] Detected out-of-date database schema \(found version 0584bdc529eb, but expected bf29a5ff90ea\).*mlflow db upgrade/,
      );
    } finally {
      await store.close();
      await other.drop();
    }
  });

  it('refuses MLflow tables without a revision row', async () => {
    const other = (await testDatabase())!;
    const store = new PostgresDatabase({ uri: other.url });
    try {
      const c = await other.connect();
      await c.query('CREATE TABLE experiments (experiment_id SERIAL PRIMARY KEY)');
      await c.end();
      expect((await failure(store.ready())).message).toContain('found version None, but expected bf29a5ff90ea');
    } finally {
      await store.close();
      await other.drop();
    }
  });

  it("creates the schema in the search_path's first schema", async () => {
    const other = (await testDatabase())!;
    const c = await other.connect();
    await c.query('CREATE SCHEMA mlflow');
    const store = new PostgresDatabase({ uri: `${other.url}?options=${encodeURIComponent('-c search_path=mlflow')}` });
    try {
      await store.ready();
      const t = await c.query(
        "SELECT table_schema, COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema IN ('public', 'mlflow') GROUP BY table_schema",
      );
      expect(t.rows).toEqual([{ table_schema: 'mlflow', n: Object.keys(EXPECTED_SCHEMA).length }]);
    } finally {
      await c.end();
      await store.close();
      await other.drop();
    }
  });

  it('works on an injected pool, which close() leaves open', async () => {
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({ connectionString: db.url, max: 2 });
    const store = new PostgresDatabase({ pool });
    expect(await store.query('SELECT name FROM experiments WHERE experiment_id = ?', [0])).toEqual([{ name: 'Default' }]);
    await store.close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });
});
