import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteDialect as d } from '../src/index.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

function memory() {
  const db = new Database(':memory:');
  db.pragma('case_sensitive_like = ON');
  db.exec('CREATE TABLE t (k VARCHAR(10) NOT NULL PRIMARY KEY, v INTEGER, w VARCHAR(10))');
  return db;
}

describe('sqlite dialect', () => {
  it('allows as many parameters as the compiled SQLite', () => {
    const db = new Database(':memory:');
    const options = (db.pragma('compile_options') as { compile_options: string }[]).map((o) => o.compile_options);
    expect(options).toContain(`MAX_VARIABLE_NUMBER=${d.maxParameters}`);
    const n = d.maxParameters;
    const values = Array.from({ length: n }, (_, i) => i);
    expect(
      db
        .prepare(`SELECT COUNT(*) AS c FROM json_each(?) WHERE value IN (${new Array(n - 1).fill('?').join(', ')})`)
        .get('[1, 2, -1]', ...values.slice(1)),
    ).toEqual({ c: 2 });
    expect(() => db.prepare(`SELECT 1 WHERE 1 IN (${new Array(n + 1).fill('?').join(', ')})`)).toThrow(/too many SQL variables/);
    db.close();
  });

  it('compares exactly, LIKE case-sensitive with a literal backslash, ILIKE folded', () => {
    const db = memory();
    db.prepare('INSERT INTO t (k, v) VALUES (?, 1), (?, 2), (?, 3)').run('ab', 'AB', 'a\\b');
    const keys = (where: string, values: unknown[]) =>
      (db.prepare(`SELECT k FROM t WHERE ${where} ORDER BY ${d.sortKey('k')}`).all(...values) as { k: string }[]).map((r) => r.k);
    let values: unknown[] = [];
    expect(keys(d.exactEquals('k', 'ab', values), values)).toEqual(['ab']);
    values = [];
    expect(keys(d.like('k', 'a%', values), values)).toEqual(['a\\b', 'ab']);
    values = [];
    expect(keys(d.like('k', 'a\\_', values), values)).toEqual(['a\\b']);
    values = [];
    expect(keys(d.ilike('k', 'a_', values), values)).toEqual(['AB', 'ab']);
    expect(keys(`${d.exact('k')} IN (?, ?)`, ['AB', 'x'])).toEqual(['AB']);
    expect(keys(d.nullSafeEquals('w', '?'), [null])).toEqual(['AB', 'a\\b', 'ab']);
    expect(db.prepare(`SELECT k FROM t ORDER BY ${d.sortKey('k')} ${d.offsetOnly}`).all(2)).toEqual([{ k: 'ab' }]);
    db.close();
  });

  it('skips clashing rows, upserts, and upserts on a condition', () => {
    const db = memory();
    const target = { table: 't', columns: ['k', 'v'] };
    db.prepare(d.insertIgnore(target, 'VALUES (?, ?)')).run('a', 1);
    expect(db.prepare(d.insertIgnore(target, 'VALUES (?, ?)')).run('a', 2).changes).toBe(0);
    // An INSERT … SELECT body ends in a WHERE, as the contract says.
    expect(db.prepare(d.insertIgnore(target, 'SELECT ?, ? WHERE 1 = 1')).run('b', 5).changes).toBe(1);
    db.prepare(d.upsert(target, 'VALUES (?, ?)', ['k'], ['v'])).run('a', 7);
    const cu = d.conditionalUpsert({
      ...target,
      body: 'VALUES (?, ?)',
      conflict: ['k'],
      update: ['v'],
      when: (r) => `${r.incoming('v')} > ${r.existing('v')}`,
    });
    db.prepare(cu).run('a', 3);
    db.prepare(cu).run('b', 9);
    db.prepare(cu).run('c', 1);
    expect(db.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 7 },
      { k: 'b', v: 9 },
      { k: 'c', v: 1 },
    ]);
    db.close();
  });

  it('needs nothing after explicit ids: an INTEGER primary key moves past them', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE e (id INTEGER NOT NULL, n TEXT, CONSTRAINT e_pk PRIMARY KEY (id))');
    expect(d.afterExplicitIds('e', 'id')).toEqual([]);
    db.prepare('INSERT INTO e (id, n) VALUES (0, ?), (41, ?)').run('zero', 'imported');
    expect(db.prepare('INSERT INTO e (n) VALUES (?)').run('next').lastInsertRowid).toBe(42);
    db.close();
  });
});
