import { compileRunSearch as compile, type CompiledSql, type RunSearchQuery } from '@labbook/sql';
import { mysqlDialect } from './mysql-dialect.js';

export type { CompiledSql, RunSearchQuery };

/** The SELECT of one page of runs, as MySQL takes it (see the SQL core's `compileRunSearch`). */
export function compileRunSearch(q: RunSearchQuery): CompiledSql {
  return compile(mysqlDialect, q);
}
