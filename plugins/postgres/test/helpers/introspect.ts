import type pg from 'pg';

/** One table as the catalog describes it, in a compact text form that reads like DDL. */
export interface TableShape {
  /** `name type [NN] [DEFAULT expr] [GENERATED expr]`, in column order. */
  columns: string[];
  /** `name (columns)`. */
  pk: string;
  /** `name (columns) -> table (columns) [ON DELETE x] [ON UPDATE y]`, sorted. */
  fks?: string[];
  /** `name (columns)`, sorted. */
  unique?: string[];
  /** `[UNIQUE ]name (columns)` for indexes that back no constraint, sorted. */
  indexes?: string[];
  /** `name definition`, sorted. */
  checks?: string[];
}

const ACTIONS: Record<string, string> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT', r: 'RESTRICT' };

/** Every table of the current schema of `c`'s database. */
export async function introspect(c: pg.Client): Promise<Record<string, TableShape>> {
  const cols = await c.query<{ t: string; c: string; ty: string; nn: boolean; def: string | null; gen: string }>(`
    SELECT cl.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS nn,
           pg_get_expr(ad.adbin, ad.adrelid) AS def, a.attgenerated AS gen
    FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE ns.nspname = current_schema() AND cl.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY cl.relname, a.attnum`);
  const cons = await c.query<{
    t: string;
    name: string;
    type: string;
    cols: string[];
    ref: string | null;
    refcols: string[] | null;
    del: string;
    upd: string;
    def: string;
  }>(`
    SELECT cl.relname AS t, co.conname AS name, co.contype AS type,
           ARRAY(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS cols,
           rc.relname AS ref,
           ARRAY(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS refcols,
           co.confdeltype AS del, co.confupdtype AS upd, pg_get_constraintdef(co.oid) AS def
    FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    LEFT JOIN pg_class rc ON rc.oid = co.confrelid
    WHERE ns.nspname = current_schema()
    ORDER BY cl.relname, co.conname`);
  const idx = await c.query<{ t: string; name: string; uniq: boolean; cols: string[] }>(`
    SELECT cl.relname AS t, ic.relname AS name, i.indisunique AS uniq,
           ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS cols
    FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    WHERE ns.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid)
    ORDER BY cl.relname, ic.relname`);
  const out: Record<string, TableShape> = {};
  const table = (t: string) => {
    out[t] ??= { columns: [], pk: '' };
    return out[t];
  };
  const push = (t: string, key: 'fks' | 'unique' | 'indexes' | 'checks', v: string) => {
    const s = table(t);
    s[key] ??= [];
    s[key].push(v);
  };
  for (const r of cols.rows) {
    const gen = r.gen === 's';
    table(r.t).columns.push(
      `${r.c} ${r.ty}${r.nn ? ' NN' : ''}${r.def !== null && !gen ? ` DEFAULT ${r.def}` : ''}${gen ? ` GENERATED ${r.def}` : ''}`,
    );
  }
  for (const r of cons.rows) {
    const list = `(${r.cols.join(', ')})`;
    if (r.type === 'p') table(r.t).pk = `${r.name} ${list}`;
    else if (r.type === 'u') push(r.t, 'unique', `${r.name} ${list}`);
    else if (r.type === 'c') push(r.t, 'checks', `${r.name} ${r.def}`);
    else if (r.type === 'f') {
      const del = ACTIONS[r.del] === undefined ? '' : ` ON DELETE ${ACTIONS[r.del]}`;
      const upd = ACTIONS[r.upd] === undefined ? '' : ` ON UPDATE ${ACTIONS[r.upd]}`;
      push(r.t, 'fks', `${r.name} ${list} -> ${r.ref} (${r.refcols!.join(', ')})${del}${upd}`);
    }
  }
  for (const r of idx.rows) push(r.t, 'indexes', `${r.uniq ? 'UNIQUE ' : ''}${r.name} (${r.cols.join(', ')})`);
  for (const s of Object.values(out)) for (const k of ['fks', 'unique', 'indexes', 'checks'] as const) s[k]?.sort();
  return out;
}
