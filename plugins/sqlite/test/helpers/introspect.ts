import type Database from 'better-sqlite3';

/** One table as SQLite's catalog describes it, in a form stable enough to compare with MLflow's. */
export interface TableShape {
  /** `name TYPE [NN] [DEFAULT x] [GENERATED]`, in column order. */
  columns: string[];
  pk: string[];
  /** `(cols) -> parent(cols) [ON DELETE x] [ON UPDATE y]`. */
  foreignKeys: string[];
  /** Unique constraints and unique indexes: `name? (cols)`, sorted. */
  unique: string[];
  /** Non-unique indexes: `name (cols)`, sorted. */
  indexes: string[];
  /** CHECK constraints as written (whitespace folded), sorted. */
  checks: string[];
}

/** The CHECK (…) clauses of a CREATE TABLE statement, found by matching parentheses. */
function checksOf(sql: string): string[] {
  const out: string[] = [];
  const re = /(?:CONSTRAINT\s+(\w+)\s+)?CHECK\s*\(/gi;
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < sql.length && depth > 0; i++) {
      if (sql[i] === '(') depth++;
      else if (sql[i] === ')') depth--;
    }
    const body = sql
      .slice(m.index + m[0].length, i - 1)
      .replace(/\s+/g, ' ')
      .trim();
    out.push(`${m[1] ?? ''} ${body}`.trim());
  }
  return out.sort();
}

/** Every table of `db` but SQLite's own. */
export function introspect(db: Database.Database): Record<string, TableShape> {
  const tables = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; sql: string }[];
  const out: Record<string, TableShape> = {};
  for (const { name, sql } of tables) {
    const cols = db.prepare(`PRAGMA table_xinfo(${name})`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[];
    const columns = cols.map(
      (c) =>
        `${c.name} ${c.type}${c.notnull ? ' NN' : ''}${c.dflt_value === null ? '' : ` DEFAULT ${c.dflt_value}`}${c.hidden === 3 ? ' STORED' : c.hidden === 2 ? ' VIRTUAL' : ''}`,
    );
    const pk = cols
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const fkRows = db.prepare(`PRAGMA foreign_key_list(${name})`).all() as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_update: string;
      on_delete: string;
    }[];
    const fks = new Map<number, typeof fkRows>();
    for (const r of fkRows) fks.set(r.id, [...(fks.get(r.id) ?? []), r]);
    const foreignKeys = [...fks.values()]
      .map((rs) => {
        rs.sort((a, b) => a.seq - b.seq);
        const f = rs[0]!;
        return `(${rs.map((r) => r.from).join(', ')}) -> ${f.table}(${rs.map((r) => r.to).join(', ')})${f.on_delete === 'NO ACTION' ? '' : ` ON DELETE ${f.on_delete}`}${f.on_update === 'NO ACTION' ? '' : ` ON UPDATE ${f.on_update}`}`;
      })
      .sort();
    const indexList = db.prepare(`PRAGMA index_list(${name})`).all() as { name: string; unique: number; origin: string }[];
    const unique: string[] = [];
    const indexes: string[] = [];
    for (const ix of indexList) {
      if (ix.origin === 'pk') continue;
      const ixCols = (db.prepare(`PRAGMA index_info(${ix.name})`).all() as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name)
        .join(', ');
      // Constraint-made indexes (origin 'u') get generated names: only their columns are compared.
      if (ix.unique) unique.push(ix.origin === 'c' ? `${ix.name} (${ixCols})` : `(${ixCols})`);
      else indexes.push(`${ix.name} (${ixCols})`);
    }
    out[name] = { columns, pk, foreignKeys, unique: unique.sort(), indexes: indexes.sort(), checks: checksOf(sql) };
  }
  return out;
}
