import { randomBytes } from 'node:crypto';
import { LabbookError, validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase, PostgresDriverError, PostgresTrackingStore } from '../src/index.js';
import { admin, available, type PostgresTestDatabase, postgresServerUrl, testDatabase } from './helpers/db.js';

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!LabbookError.is(e)) throw new Error(`expected a LabbookError, got ${String(e)}`);
  return e;
}

// What driver text or a statement would put in a client-facing message.
const DRIVER_TEXT = /SQLSTATE|relation|does not exist"|SELECT|INSERT|syntax|role "|ECONN|\b\d{5}\b/i;

async function exists(name: string): Promise<boolean> {
  return (await admin('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

describe.runIf(available)('driver errors', () => {
  let db: PostgresTestDatabase;
  let store: PostgresDatabase;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = new PostgresDatabase({ uri: db.url });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('reach callers without driver text or SQL; the cause keeps code, SQL state, statement and parameter count, not values', async () => {
    const e = await failure(store.query('SELECT value FROM no_such_table WHERE `key` = ?', ['hidden value']));
    expect(e.code).toBe('INTERNAL_ERROR');
    expect(e.message).toMatch(
      /^\[labbook\] \[postgresql\] The database failed to run a query while running a query \(reference [0-9a-f]{8}\)/,
    );
    expect(e.message).not.toMatch(DRIVER_TEXT);
    const cause = e.cause as PostgresDriverError;
    expect(cause).toBeInstanceOf(PostgresDriverError);
    expect(cause).toMatchObject({
      code: '42P01',
      sqlState: '42P01',
      statement: 'SELECT value FROM no_such_table WHERE `key` = ?',
      parameterCount: 1,
    });
    expect(cause.message).toContain('relation "no_such_table" does not exist');
    expect(`${cause.message} ${JSON.stringify(cause)} ${cause.stack}`).not.toContain('hidden value');
  });

  it('leave out the detail PostgreSQL adds, which quotes the clashing values', async () => {
    await store.run("INSERT INTO experiments (name, lifecycle_stage) VALUES (?, 'active')", ['private name']);
    const e = await failure(store.run("INSERT INTO experiments (name, lifecycle_stage) VALUES (?, 'active')", ['private name']));
    expect(store.isDuplicateKey(e)).toBe(true);
    const cause = e.cause as PostgresDriverError;
    expect(cause.code).toBe('23505');
    expect(`${e.message} ${cause.message} ${JSON.stringify(cause)} ${cause.stack}`).not.toContain('private name');
  });

  it('roll back a failed transaction and keep the connection usable', async () => {
    const e = await failure(
      store.transaction(
        async (c) => {
          await c.run("INSERT INTO experiments (name, lifecycle_stage) VALUES (?, 'active')", ['in tx']);
          await c.run('SELECT nope FROM experiments');
        },
        false,
        'createExperiment',
      ),
    );
    expect(e.message).toContain('while createExperiment');
    expect((e.cause as PostgresDriverError).code).toBe('42703');
    expect(await store.query('SELECT name FROM experiments WHERE name = ?', ['in tx'])).toEqual([]);
  });

  it('for an unknown user: refused, with what to check, never the password', async () => {
    const url = new URL(db.url);
    url.username = 'labbook_nobody';
    url.password = 's3cret-pw';
    const bad = new PostgresDatabase({ uri: url.toString() });
    try {
      const e = await failure(bad.ready());
      expect(e.code).toBe('INTERNAL_ERROR');
      expect(e.message).toMatch(
        /^\[labbook\] \[postgresql\] The database refused the configured user while initialising the schema \(reference [0-9a-f]{8}\)\. Check the user, password/,
      );
      expect(e.message).not.toMatch(DRIVER_TEXT);
      const everything = `${e.message} ${String(e.stack)} ${JSON.stringify(e.cause)} ${(e.cause as Error).message} ${(e.cause as Error).stack}`;
      expect(everything).not.toContain('s3cret');
      expect((e.cause as PostgresDriverError).code).toBe('28000');
    } finally {
      await bad.close();
    }
  });

  it('for an unreachable server: temporarily unavailable after retries, saying what to check', async () => {
    const unreachable = new PostgresDatabase({ uri: 'postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=1' });
    try {
      const e = await failure(unreachable.ready());
      expect(e.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(e.message).toMatch(
        /^\[labbook\] \[postgresql\] The database was unavailable while initialising the schema \(reference [0-9a-f]{8}\)\. Try again shortly; if it persists, check that the PostgreSQL server is up and reachable\.$/,
      );
      expect((e.cause as PostgresDriverError).code).toBe('ECONNREFUSED');
      expect(`${JSON.stringify(e.cause)} ${(e.cause as Error).message}`).not.toContain('s3cret');
    } finally {
      await unreachable.close();
    }
  });
});

describe.runIf(available)('a database that does not exist', () => {
  const server = postgresServerUrl();

  it('is created, with a plain-identifier name, and used', async () => {
    const name = `labbook_missing_${randomBytes(4).toString('hex')}`;
    const store = new PostgresDatabase({ uri: `${server}/${name}` });
    try {
      expect(await exists(name)).toBe(false);
      expect(await store.query('SELECT name FROM experiments')).toEqual([{ name: 'Default' }]);
      expect(await exists(name)).toBe(true);
    } finally {
      await store.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('is created once when several stores race for it', async () => {
    const name = `labbook_race_${randomBytes(4).toString('hex')}`;
    const stores = Array.from({ length: 4 }, () => new PostgresDatabase({ uri: `${server}/${name}` }));
    try {
      await Promise.all(stores.map((s) => s.ready()));
      expect(await stores[0]!.query('SELECT COUNT(*) AS n FROM experiments')).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('is a configuration error naming it and the command to run when creation is off', async () => {
    const store = new PostgresDatabase({ uri: `${server}/labbook_does_not_exist`, createDatabase: false });
    try {
      const e = await failure(store.ready());
      expect(e.code).toBe('INTERNAL_ERROR');
      expect(e.message).toBe(
        '[labbook] [postgresql] The database \'labbook_does_not_exist\' named in the tracking URI does not exist, and creating it is turned off (createDatabase: false). Create it with `CREATE DATABASE "labbook_does_not_exist"` (as a user allowed to), or point the URI at an existing database.',
      );
      expect(await exists('labbook_does_not_exist')).toBe(false);
    } finally {
      await store.close();
    }
  });

  it.each(['Mixed_Case', 'with-dash', 'a"b', '1abc', 'a b'])('is not created when its name %j needs quoting', async (name) => {
    const store = new PostgresDatabase({ uri: `${server}/${encodeURIComponent(name)}` });
    try {
      const e = await failure(store.ready());
      expect(e.message).toContain(`The database '${name}' named in the tracking URI does not exist`);
      expect(e.message).toContain('labbook creates only databases named with lowercase letters, digits and _');
      expect(e.message).toContain(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      expect(await exists(name)).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(available)('values PostgreSQL cannot store', () => {
  let db: PostgresTestDatabase;
  let store: ReturnType<typeof validatedTrackingStore>;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedTrackingStore(new PostgresTrackingStore({ uri: db.url }));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('a value longer than its column is INVALID_PARAMETER_VALUE naming the limit, not a query failure', async () => {
    // MLflow's validator allows 500 characters; its column holds 256.
    const e = await failure(store.createExperiment('x'.repeat(300)));
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toMatch(
      /^\[labbook\] \[postgresql\] A value is longer than 256 characters, the most its column in MLflow's schema holds \(reference [0-9a-f]{8}\)\. Shorten it\.$/,
    );
    expect(e.cause).toMatchObject({ code: '22001', statement: expect.stringContaining('INSERT INTO experiments') });
  });

  it('a NUL character is INVALID_PARAMETER_VALUE saying so, and the transaction it was in is rolled back', async () => {
    const exp = await store.createExperiment('nul');
    const run = await store.createRun({ experimentId: exp, runName: 'r' });
    const e = await failure(
      store.logBatch(run.info.runId, { params: [{ key: 'p', value: 'ok' }], tags: [{ key: 'k', value: 'a\u0000b' }], metrics: [] }),
    );
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toContain('NUL character');
    expect((e.cause as PostgresDriverError).code).toBe('22021');
    expect((await store.getRun(run.info.runId)).data.params ?? []).toEqual([]);
  });
});
