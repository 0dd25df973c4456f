import { isAbsolute, resolve } from 'node:path';
import { invalidParameter } from '@labbook/core/plugin';
import { DEFAULT_BUSY_TIMEOUT_MS, MSG } from './constants.js';

/** What a `sqlite://` URI says about the database. */
export interface SqliteSettings {
  /** The database file, absolute; `undefined` for an in-memory database. */
  filename?: string;
  /** For an in-memory database: the key under which stores of one process share it (the URI without options). */
  memoryKey?: string;
  /** Milliseconds a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeout: number;
}

function nonNegativeInt(raw: string, name: string): number {
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < 0) throw invalidParameter(`${MSG} query option ${name} must be a non-negative integer`);
  return n;
}

/**
 * Parses MLflow's SQLite URIs (SQLAlchemy's form): `sqlite:///relative/path.db` (relative to the
 * working directory), `sqlite:////absolute/path.db`, and `sqlite://` or `sqlite:///:memory:` for an
 * in-memory database. Options: `busy_timeout` (milliseconds, default 5000) or `timeout` (seconds,
 * as pysqlite names it).
 */
export function parseSqliteUri(uri: string, cwd: string = process.cwd()): SqliteSettings {
  if (typeof uri !== 'string' || !/^sqlite:\/\//i.test(uri)) {
    throw invalidParameter(`${MSG} expected a sqlite:// URI, such as sqlite:///mlflow.db or sqlite:////abs/path/mlflow.db`, {
      field: 'uri',
    });
  }
  const rest = uri.slice('sqlite://'.length);
  const q = rest.indexOf('?');
  const location = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  if (location !== '' && !location.startsWith('/')) {
    // `sqlite://host/db`: SQLite has no server; SQLAlchemy refuses it too.
    throw invalidParameter(
      `${MSG} a sqlite URI names a file, not a host: write sqlite:///relative/path.db or sqlite:////absolute/path.db`,
      { field: 'uri' },
    );
  }
  let path: string;
  try {
    path = decodeURIComponent(location.slice(1));
  } catch {
    throw invalidParameter(`${MSG} malformed percent-encoding in the sqlite URI's path`, { field: 'uri' });
  }
  const settings: SqliteSettings = { busyTimeout: DEFAULT_BUSY_TIMEOUT_MS };
  for (const [name, value] of new URLSearchParams(query)) {
    switch (name) {
      case 'busy_timeout':
        settings.busyTimeout = nonNegativeInt(value, name);
        break;
      case 'timeout': {
        const seconds = Number(value);
        if (value === '' || !Number.isFinite(seconds) || seconds < 0)
          throw invalidParameter(`${MSG} query option timeout must be a non-negative number of seconds`);
        settings.busyTimeout = Math.round(seconds * 1000);
        break;
      }
      default:
        throw invalidParameter(`${MSG} unknown query option ${name} (labbook reads busy_timeout, in milliseconds)`);
    }
  }
  if (path === '' || path === ':memory:') {
    settings.memoryKey = `sqlite://${location}`.replace(/^sqlite:\/\/\/?$/, 'sqlite:///:memory:');
  } else {
    settings.filename = isAbsolute(path) ? path : resolve(cwd, path);
  }
  return settings;
}
