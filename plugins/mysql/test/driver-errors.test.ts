import { randomBytes } from 'node:crypto';
import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuardedTrackingStore, validatedRegistryStore, validatedTrackingStore } from '@labbook/core';
import { type MysqlTestDatabase, mysqlServerUrl } from '../../../test/harness/mysql.js';
import { MysqlDriverError, MysqlRegistryStore, MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!LabbookError.is(e)) throw new Error(`expected a LabbookError, got ${String(e)}`);
  return e;
}

// What a driver message or statement would put in a client-facing message.
const DRIVER_TEXT = /ER_|errno|sqlState|SELECT|INSERT|latest_metrics|\btags\b|doesn't exist|Table '|syntax/i;

describe.runIf(available)('driver errors', () => {
  let db: MysqlTestDatabase;
  let store: GuardedTrackingStore;
  let exp: string;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedTrackingStore(new MysqlTrackingStore({ uri: db.url }));
    exp = await store.createExperiment('errors');
    await store.createRun({ experimentId: exp, runName: 'r' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  async function sql(statement: string): Promise<void> {
    const c = await mysql.createConnection({ uri: db.url });
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  }

  it('reach callers without driver text or SQL; the cause keeps code, statement and parameter count', async () => {
    await sql('RENAME TABLE latest_metrics TO latest_metrics_gone');
    try {
      const e = await failure(
        store.searchRuns({ experimentIds: [exp], filter: "metrics.secret_key > 0.123 AND params.p = 'hidden value'" }),
      );
      expect(e.code).toBe('INTERNAL_ERROR');
      expect(e.message).not.toMatch(DRIVER_TEXT);
      expect(e.message).not.toContain('secret_key');
      expect(e.message).toMatch(
        /^\[labbook\] \[mysql\] The database failed to run a query while running a query \(reference [0-9a-f]{8}\)/,
      );
      const reference = /reference ([0-9a-f]{8})/.exec(e.message)![1]!;
      const cause = e.cause as MysqlDriverError;
      expect(cause).toBeInstanceOf(MysqlDriverError);
      expect(cause.code).toBe('ER_NO_SUCH_TABLE');
      expect(cause.errno).toBe(1146);
      expect(cause.reference).toBe(reference);
      expect(cause.message).toContain(reference);
      expect(cause.message).toContain("latest_metrics' doesn't exist");
      expect(cause.statement).toContain('EXISTS (SELECT 1 FROM latest_metrics');
      // The template, not the values: they may be anything a user logged.
      expect(cause.statement).not.toContain('hidden value');
      expect(cause.parameterCount).toBeGreaterThan(4);
    } finally {
      await sql('RENAME TABLE latest_metrics_gone TO latest_metrics');
    }
  });

  it('in transactions too', async () => {
    await sql('RENAME TABLE tags TO tags_gone');
    try {
      const e = await failure(store.createRun({ experimentId: exp, runName: 'x' }));
      expect(e.code).toBe('INTERNAL_ERROR');
      expect(e.message).not.toMatch(DRIVER_TEXT);
      expect(e.message).toContain('while createRun');
      const cause = e.cause as MysqlDriverError;
      expect(cause.code).toBe('ER_NO_SUCH_TABLE');
      expect(cause.statement).toMatch(/^INSERT INTO tags/);
    } finally {
      await sql('RENAME TABLE tags_gone TO tags');
    }
  });

  it('from the registry keep the exact template, parameter count, code, errno and SQL state, not the values', async () => {
    const registry = validatedRegistryStore(new MysqlRegistryStore({ uri: db.url }));
    try {
      await registry.createRegisteredModel('errors-model');
      await sql('RENAME TABLE registered_model_tags TO registered_model_tags_gone');
      const e = await failure(registry.setRegisteredModelTag('errors-model', { key: 'k', value: 'private tag value' }));
      expect(e.code).toBe('INTERNAL_ERROR');
      expect(e.message).not.toMatch(DRIVER_TEXT);
      expect(e.message).not.toContain('private tag value');
      expect(e.message).toContain('while setRegisteredModelTag');
      const cause = e.cause as MysqlDriverError;
      expect(cause).toBeInstanceOf(MysqlDriverError);
      expect(cause).toMatchObject({
        code: 'ER_NO_SUCH_TABLE',
        errno: 1146,
        sqlState: '42S02',
        statement: 'INSERT INTO registered_model_tags (`key`, value, name) VALUES ? ON DUPLICATE KEY UPDATE value = VALUES(value)',
        parameterCount: 3,
      });
      expect(`${cause.message} ${JSON.stringify(cause)} ${cause.stack}`).not.toContain('private tag value');
    } finally {
      await sql('RENAME TABLE registered_model_tags_gone TO registered_model_tags');
      await registry.close();
    }
  });

  it('while checking the schema name the statement that failed', async () => {
    const broken = (await testDatabase())!;
    const c = await mysql.createConnection({ uri: broken.url });
    // An alembic_version table without the column the schema check reads.
    await c.query('CREATE TABLE alembic_version (other INT)');
    await c.end();
    const fresh = validatedTrackingStore(new MysqlTrackingStore({ uri: broken.url }));
    try {
      const e = await failure(fresh.searchExperiments());
      expect(e.message).not.toMatch(DRIVER_TEXT);
      expect(e.message).toContain('while initialising the schema');
      expect(e.cause).toMatchObject({
        code: 'ER_BAD_FIELD_ERROR',
        errno: 1054,
        statement: 'SELECT version_num FROM alembic_version',
        parameterCount: 0,
      });
    } finally {
      await fresh.close();
      await broken.drop();
    }
  });

  it('never carry the password', async () => {
    const url = new URL(db.url);
    url.username = 'labbook_nobody';
    url.password = 's3cret-pw';
    const bad = validatedTrackingStore(new MysqlTrackingStore({ uri: url.toString() }));
    try {
      const e = await failure(bad.searchExperiments());
      expect(e.message).toContain('refused the configured user');
      expect(e.message).not.toMatch(DRIVER_TEXT);
      const everything = `${e.message} ${String(e.stack)} ${JSON.stringify(e.cause)} ${(e.cause as Error).message} ${(e.cause as Error).stack}`;
      expect(everything).not.toContain('s3cret');
      expect((e.cause as MysqlDriverError).code).toMatch(/^ER_ACCESS_DENIED/);
    } finally {
      await bad.close();
    }
  });
});

describe.runIf(available)('a database that does not exist', () => {
  const server = mysqlServerUrl();

  async function exists(name: string): Promise<boolean> {
    const c = await mysql.createConnection({ uri: server });
    try {
      const [rows] = (await c.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?', [name])) as unknown as [
        unknown[],
      ];
      return rows.length > 0;
    } finally {
      await c.end();
    }
  }

  it('is created, as MLflow does, with a quoted plain-identifier name', async () => {
    const name = `labbook_missing_${randomBytes(4).toString('hex')}`;
    const store = validatedTrackingStore(new MysqlTrackingStore({ uri: `${server}/${name}` }));
    try {
      expect(await exists(name)).toBe(false);
      const id = await store.createExperiment('in a new database');
      expect((await store.getExperiment(id)).name).toBe('in a new database');
      expect(await exists(name)).toBe(true);
    } finally {
      await store.close();
      const c = await mysql.createConnection({ uri: server });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    }
  });

  it('is a configuration error naming it and how to create it when creation is off', async () => {
    const store = validatedTrackingStore(new MysqlTrackingStore({ uri: `${server}/does_not_exist`, createDatabase: false }));
    try {
      const e = await failure(store.searchExperiments());
      expect(e.message).toContain("The database 'does_not_exist' named in the tracking URI does not exist");
      expect(e.message).toContain('CREATE DATABASE `does_not_exist`');
      expect(e.message).toContain('createDatabase: false');
      expect(await exists('does_not_exist')).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('is a configuration error when MySQL refuses the name itself', async () => {
    const store = validatedTrackingStore(new MysqlTrackingStore({ uri: `${server}/${'x'.repeat(65)}` }));
    try {
      const e = await failure(store.searchExperiments());
      expect(e.message).toContain(`The database name '${'x'.repeat(65)}' in the tracking URI is not one MySQL accepts`);
      expect((e.cause as MysqlDriverError).code).toBe('ER_WRONG_DB_NAME');
    } finally {
      await store.close();
    }
  });

  it.each(['does-not-exist', 'a`b', '12345', 'a b'])('is not created when its name %j is not a plain identifier', async (name) => {
    const store = validatedTrackingStore(new MysqlTrackingStore({ uri: `${server}/${encodeURIComponent(name)}` }));
    try {
      const e = await failure(store.searchExperiments());
      expect(e.message).toContain(`The database '${name}' named in the tracking URI does not exist`);
      expect(e.message).toContain('labbook creates only databases named with letters, digits, _ and $');
      expect(e.message).toContain(`CREATE DATABASE \`${name.replace(/`/g, '``')}\``);
      expect(await exists(name)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
