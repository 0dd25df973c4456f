import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LabbookError } from '@labbook/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type SqlDriverError, SqliteDatabase, SqliteDriver } from '../src/index.js';
import { tempFolder } from './helpers/files.js';

const folder = tempFolder();
afterAll(() => folder.remove());

const LOCK_HOLDER = fileURLToPath(new URL('./helpers/lock-holder.cjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
// What the driver would put in a message: codes, its wording, SQL.
const DRIVER_TEXT = /SQLITE_|database is locked|unable to open|INSERT|SELECT|readonly database/i;

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!LabbookError.is(e)) throw new Error(`expected a LabbookError, got ${String(e)}`);
  return e;
}

describe('sqlite driver', () => {
  it("sets MLflow's session: WAL, foreign keys, case-sensitive LIKE, the busy timeout", async () => {
    const db = new SqliteDatabase({ uri: folder.uri('session.db', 'busy_timeout=1234') });
    await db.ready();
    const c = db.connection();
    expect(c.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(c.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(await db.query("SELECT 'Abc' LIKE 'abc' AS folded, 'Abc' LIKE 'A%' AS exact")).toEqual([{ folded: 0, exact: 1 }]);
    await db.close();
  });

  it('binds booleans as 1/0 and undefined as NULL; reports insertId, affectedRows and rows as arrays', async () => {
    const db = new SqliteDatabase({ uri: folder.uri('values.db') });
    const ins = await db.run('INSERT INTO experiments (name, lifecycle_stage, creation_time) VALUES (?, ?, ?)', ['e', 'active', undefined]);
    expect(ins).toMatchObject({ insertId: 1, affectedRows: 1, rows: [] });
    const up = await db.run('UPDATE experiments SET last_update_time = ? WHERE experiment_id >= ?', [true, 0]);
    expect(up.affectedRows).toBe(2);
    expect(up.insertId).toBeUndefined();
    expect(
      await db.query('SELECT experiment_id, last_update_time, creation_time FROM experiments ORDER BY 1', [], { arrays: true }),
    ).toEqual([
      [0, 1, expect.any(Number)],
      [1, 1, null],
    ]);
    await db.close();
  });

  it('runs one transaction at a time; statements outside wait for it; a throw rolls back', async () => {
    const db = new SqliteDatabase({ uri: folder.uri('order.db') });
    await db.ready();
    const seen: string[] = [];
    const t = db.transaction(async (c) => {
      await c.run("INSERT INTO experiments (name, lifecycle_stage) VALUES ('in-tx', 'active')");
      await new Promise((r) => setTimeout(r, 50));
      seen.push('tx done');
    }, false);
    const outside = db.query<{ n: number }>("SELECT COUNT(*) AS n FROM experiments WHERE name = 'in-tx'").then((rows) => {
      seen.push('outside');
      return rows[0]!.n;
    });
    const failed = db
      .transaction(async (c) => {
        await c.run("INSERT INTO experiments (name, lifecycle_stage) VALUES ('rolled back', 'active')");
        throw new Error('boom');
      }, false)
      .catch((e: LabbookError) => e.code);
    expect(await outside).toBe(1);
    await t;
    expect(await failed).toBe('INTERNAL_ERROR');
    expect(seen).toEqual(['tx done', 'outside']);
    expect(await db.query("SELECT name FROM experiments WHERE name = 'rolled back'")).toEqual([]);
    await db.close();
  });

  it('shares one in-memory database per URI while a store on it is open', async () => {
    const a = new SqliteDatabase({ uri: 'sqlite://' });
    const b = new SqliteDatabase({ uri: 'sqlite:///:memory:' });
    await a.run("INSERT INTO experiments (name, lifecycle_stage) VALUES ('shared', 'active')");
    expect(await b.query("SELECT name FROM experiments WHERE name = 'shared'")).toEqual([{ name: 'shared' }]);
    await a.close();
    expect(await b.query("SELECT COUNT(*) AS n FROM experiments WHERE name = 'shared'")).toEqual([{ n: 1 }]);
    await b.close();
    const c = new SqliteDatabase({ uri: 'sqlite://' });
    expect(await c.query("SELECT COUNT(*) AS n FROM experiments WHERE name = 'shared'")).toEqual([{ n: 0 }]);
    await c.close();
  });

  it('says to create a missing folder, with the driver text only in the cause', async () => {
    const db = new SqliteDatabase({ uri: `sqlite:///${folder.dir}/no/such/folder/m.db` });
    const e = await failure(db.ready());
    expect(e.message).toContain(`${folder.dir}/no/such/folder/m.db`);
    expect(e.message).toContain('create the folder');
    expect(e.message).not.toMatch(DRIVER_TEXT);
    expect((e.cause as SqlDriverError).message).toMatch(/directory does not exist|unable to open/);
    await db.close();
  });

  it('says a read-only file is read-only', () => {
    const driver = new SqliteDriver({ uri: folder.uri('ro.db') });
    expect(driver.classify({ code: 'SQLITE_READONLY' })).toBe('access-denied');
    expect(driver.classify({ code: 'SQLITE_READONLY_DBMOVED' })).toBe('access-denied');
    expect(driver.accessHint).toContain('read-only');
    expect(driver.classify({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe('transient');
    expect(driver.classify({ code: 'SQLITE_LOCKED' })).toBe('transient');
    expect(driver.classify({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe('duplicate');
    expect(driver.classify({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })).toBe('other');
  });

  it("fails with TEMPORARILY_UNAVAILABLE after the busy timeout while another process holds the file's write lock", async () => {
    const uri = folder.uri('locked.db', 'busy_timeout=100');
    const db = new SqliteDatabase({ uri });
    await db.ready();
    const child = spawn(process.execPath, [LOCK_HOLDER, `${folder.dir}/locked.db`], {
      cwd: PACKAGE_DIR,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
      });
      const started = Date.now();
      const e = await failure(db.run("INSERT INTO experiments (name, lifecycle_stage) VALUES ('blocked', 'active')"));
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(e.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(e.message).toMatch(/^\[labbook\] \[sqlite\] The database was unavailable while running a query \(reference [0-9a-f]{8}\)/);
      expect(e.message).toContain('busy_timeout');
      expect(e.message).not.toMatch(DRIVER_TEXT);
      expect((e.cause as SqlDriverError).code).toMatch(/^SQLITE_BUSY/);
      // Reads go on beside the writer (WAL).
      expect(await db.query("SELECT COUNT(*) AS n FROM experiments WHERE name = 'held by another process'")).toEqual([{ n: 0 }]);
    } finally {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    }
    await db.run("INSERT INTO experiments (name, lifecycle_stage) VALUES ('after', 'active')");
    await db.close();
  }, 30_000);
});
