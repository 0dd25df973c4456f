import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDriver, postgresDialect as d } from '../src/index.js';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';

describe.runIf(available)('postgres driver', () => {
  let db: PostgresTestDatabase;
  let driver: PostgresDriver;

  beforeAll(async () => {
    db = (await testDatabase())!;
    driver = new PostgresDriver({ uri: db.url });
    await driver.run(
      'CREATE TABLE t (id SERIAL PRIMARY KEY, `key` VARCHAR(20) NOT NULL UNIQUE, big BIGINT, f DOUBLE PRECISION, b BOOLEAN, n NUMERIC)',
    );
  });
  afterAll(async () => {
    await driver?.close();
    await db?.drop();
  });

  it('reads BIGINT as a number when safe and a string past 2^53; doubles, booleans and NUMERIC as pg gives them', async () => {
    await driver.run('INSERT INTO t (`key`, big, f, b, n) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)', [
      'a',
      1_700_000_000_123,
      1.5,
      1,
      2,
      'b',
      '9223372036854775807',
      'NaN',
      0,
      3,
    ]);
    const rows = await driver.run<Record<string, unknown>>('SELECT `key`, big, f, b, n FROM t ORDER BY `key`');
    expect(rows.rows).toEqual([
      { key: 'a', big: 1_700_000_000_123, f: 1.5, b: true, n: '2' },
      { key: 'b', big: '9223372036854775807', f: Number.NaN, b: false, n: '3' },
    ]);
    const [count] = (await driver.run<{ c: unknown; s: unknown }>('SELECT COUNT(*) AS c, SUM(big) AS s FROM t WHERE `key` = ?', ['a']))
      .rows;
    expect(count).toEqual({ c: 1, s: '1700000000123' });
    const inf = await driver.run<{ f: unknown }>('SELECT CAST(? AS double precision) AS f', [Number.POSITIVE_INFINITY]);
    expect(inf.rows[0]!.f).toBe(Number.POSITIVE_INFINITY);
    const arrays = await driver.run('SELECT `key`, b FROM t ORDER BY `key`', [], { arrays: true });
    expect(arrays.rows).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('reports affected rows and the id an INSERT … RETURNING generated', async () => {
    const r = await driver.run(`INSERT INTO t (\`key\`) VALUES (?)${d.returningId('id')}`, ['c']);
    expect(r.insertId).toBe(3);
    expect(r.affectedRows).toBe(1);
    expect((await driver.run('UPDATE t SET f = ? WHERE big IS NULL OR big > ?', [2, 0])).affectedRows).toBe(3);
    const ignored = await driver.run(d.insertIgnore({ table: 't', columns: ['key'] }, 'VALUES (?), (?)'), ['c', 'd']);
    expect(ignored.affectedRows).toBe(1);
    expect(ignored.insertId).toBeUndefined();
  });

  it('moves a serial past explicit ids, never back', async () => {
    await driver.run('INSERT INTO t (id, `key`) VALUES (?, ?)', [100, 'explicit']);
    for (const s of d.afterExplicitIds('t', 'id')) await driver.run(s);
    expect((await driver.run(`INSERT INTO t (\`key\`) VALUES (?)${d.returningId('id')}`, ['after'])).insertId).toBe(101);
    await driver.run('DELETE FROM t WHERE id >= 100');
    for (const s of d.afterExplicitIds('t', 'id')) await driver.run(s);
    expect((await driver.run(`INSERT INTO t (\`key\`) VALUES (?)${d.returningId('id')}`, ['later'])).insertId).toBe(102);
  });

  it('commits a transaction, rolls back a failed one, and classifies a duplicate key', async () => {
    await driver.transaction(async (c) => {
      await c.run('INSERT INTO t (`key`) VALUES (?)', ['tx1']);
      await c.run('UPDATE t SET big = ? WHERE `key` = ?', [7, 'tx1']);
    });
    let error: unknown;
    try {
      await driver.transaction(async (c) => {
        await c.run('INSERT INTO t (`key`) VALUES (?)', ['tx2']);
        await c.run('INSERT INTO t (`key`) VALUES (?)', ['tx1']);
      });
    } catch (e) {
      error = e;
    }
    expect(driver.classify(error)).toBe('duplicate');
    expect(driver.details(error)).toEqual({ code: '23505', sqlState: '23505', message: expect.stringContaining('t_key_key') });
    expect(JSON.stringify(driver.details(error))).not.toContain('tx1');
    const keys = (await driver.run<{ key: string }>("SELECT `key` FROM t WHERE `key` LIKE 'tx%' ORDER BY `key`")).rows;
    expect(keys).toEqual([{ key: 'tx1' }]);
  });

  it('matches LIKE with only % and _ special, case-sensitively, and ILIKE without case', async () => {
    await driver.run('INSERT INTO t (`key`) VALUES (?), (?), (?)', ['a\\b', 'A_B', 'axb']);
    const like = (p: string) => {
      const values: unknown[] = [];
      return driver.run<{ key: string }>(
        `SELECT \`key\` FROM t WHERE ${d.like('`key`', p, values)} ORDER BY ${d.sortKey('`key`')}`,
        values,
      );
    };
    expect((await like('a\\b')).rows).toEqual([{ key: 'a\\b' }]);
    expect((await like('a_b')).rows).toEqual([{ key: 'a\\b' }, { key: 'axb' }]);
    const values: unknown[] = [];
    const ilike = await driver.run<{ key: string }>(
      `SELECT \`key\` FROM t WHERE ${d.ilike('`key`', 'a_b', values)} ORDER BY ${d.sortKey('`key`')}`,
      values,
    );
    expect(ilike.rows.map((r) => r.key)).toEqual(['A_B', 'a\\b', 'axb']);
  });

  it('bounds statements with the URI timeout, but not COMMIT, and the connection stays usable', async () => {
    const slow = new PostgresDriver({ uri: `${db.url}?statement_timeout=200` });
    try {
      let error: unknown;
      try {
        await slow.run('SELECT pg_sleep(2)');
      } catch (e) {
        error = e;
      }
      expect(driver.details(error).code).toBe('57014');
      expect(slow.classify(error)).toBe('other');
      await slow.transaction(async (c) => {
        await c.run('INSERT INTO t (`key`) VALUES (?)', ['timed']);
      });
      expect((await slow.run('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await slow.close();
    }
  });
});
