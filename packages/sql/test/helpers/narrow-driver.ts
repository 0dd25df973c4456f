import { MysqlDriver, mysqlDialect } from '../../../../plugins/mysql/src/index.js';
import type { SqlDriver } from '../../src/driver.js';

/** The MySQL driver under a dialect that takes only `maxParameters` values a statement, so every list is split. */
export function narrowDriver(uri: string, maxParameters: number): SqlDriver {
  const inner = new MysqlDriver({ uri });
  return {
    dialect: { ...mysqlDialect, maxParameters },
    label: inner.label,
    unavailableHint: inner.unavailableHint,
    accessHint: inner.accessHint,
    run: (sql, values, options) => inner.run(sql, values, options),
    transaction: (fn) => inner.transaction(fn),
    ensureSchema: (setup) => inner.ensureSchema(setup),
    classify: (error) => inner.classify(error),
    details: (error) => inner.details(error),
    close: () => inner.close(),
  };
}
