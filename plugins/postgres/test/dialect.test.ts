import { describe, expect, it } from 'vitest';
import { postgresDialect as d, renderPostgres } from '../src/index.js';

describe('postgres dialect', () => {
  it('renders placeholders and backquoted identifiers, leaving literals and quoted names alone', () => {
    expect(renderPostgres('SELECT `key`, value FROM tags WHERE run_uuid = ? AND `key` IN (?, ?)')).toBe(
      'SELECT "key", value FROM tags WHERE run_uuid = $1 AND "key" IN ($2, $3)',
    );
    expect(renderPostgres("SELECT '?', 'it''s ? `x`', \"a?b\" FROM t WHERE c = ?")).toBe(
      "SELECT '?', 'it''s ? `x`', \"a?b\" FROM t WHERE c = $1",
    );
    expect(renderPostgres('x COLLATE "C" = ?')).toBe('x COLLATE "C" = $1');
    // Cached: the same text renders the same way.
    expect(renderPostgres('SELECT ?')).toBe(renderPostgres('SELECT ?'));
  });

  it('writes PostgreSQL for what the databases disagree on', () => {
    const values: unknown[] = [];
    expect(d.exactEquals('name', 'x', values)).toBe('name = ?');
    expect(d.like('name', 'a\\b%', values)).toBe('name LIKE ?');
    expect(d.ilike('name', 'A_', values)).toBe('name ILIKE ?');
    expect(values).toEqual(['x', 'a\\\\b%', 'A_']);
    expect(d.exact('e')).toBe('e');
    expect(d.sortKey('name')).toBe('name COLLATE "C"');
    expect(d.nullSafeEquals('a', 'b')).toBe('a IS NOT DISTINCT FROM b');
    expect(d.param('double')).toBe('CAST(? AS double precision)');
    expect(d.param('bigint')).toBe('CAST(? AS bigint)');
    expect(d.offsetOnly).toBe('OFFSET ?');
    const t = { table: 'tags', columns: ['key', 'value', 'run_uuid'] };
    expect(d.insertIgnore(t, 'VALUES (?, ?, ?)')).toBe('INSERT INTO tags (`key`, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    expect(d.upsert(t, 'VALUES (?, ?, ?)', ['key', 'run_uuid'], ['value'])).toBe(
      'INSERT INTO tags (`key`, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT (`key`, run_uuid) DO UPDATE SET value = EXCLUDED.value',
    );
    expect(
      d.conditionalUpsert({
        table: 'latest_metrics',
        columns: ['key', 'value', 'step'],
        body: 'VALUES (?, ?, ?)',
        conflict: ['key'],
        update: ['value', 'step'],
        when: (r) => `${r.incoming('step')} > ${r.existing('step')}`,
      }),
    ).toBe(
      'INSERT INTO latest_metrics (`key`, value, step) VALUES (?, ?, ?) ON CONFLICT (`key`) DO UPDATE SET value = EXCLUDED.value, step = EXCLUDED.step WHERE EXCLUDED.step > latest_metrics.step',
    );
    expect(d.returningId('experiment_id')).toBe(' RETURNING experiment_id');
    expect(d.afterExplicitIds('experiments', 'experiment_id')[0]).toContain(
      "setval(pg_get_serial_sequence('experiments', 'experiment_id')",
    );
  });
});
