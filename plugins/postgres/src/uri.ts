import { invalidParameter } from '@labbook/core/plugin';
import { MSG, POSTGRES_SCHEMES, URI_FORM } from './constants.js';

/** How the connection is encrypted: libpq's `sslmode` values that node-postgres can honour. */
export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** What a `postgresql://` URI says about the connection. */
export interface PostgresConnectionSettings {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  sslMode: SslMode;
  /** CA file for `verify-ca` / `verify-full` (`sslrootcert`). */
  sslRootCert?: string;
  /** The most connections the pool opens. */
  poolSize: number;
  /** Milliseconds to establish a connection. */
  connectTimeout: number;
  /** Milliseconds a statement may run before the server cancels it; `undefined`: no limit. */
  statementTimeout?: number;
  /** libpq's `application_name`, shown in `pg_stat_activity`. */
  applicationName?: string;
  /** libpq's `options` (e.g. `-c search_path=mlflow`), sent at connection start. */
  options?: string;
}

const SCHEMES: readonly string[] = POSTGRES_SCHEMES;
const NO_HOST = 'labbook.no-host.invalid';
const SSL_MODES = new Set<string>(['disable', 'require', 'verify-ca', 'verify-full']);
const KNOWN = 'sslmode, sslrootcert, pool_size, connect_timeout, statement_timeout, query_timeout, application_name, options, host';

function bad(what: string): never {
  throw invalidParameter(`${MSG} ${what}. Expected a URI of the form ${URI_FORM}.`, { field: 'uri' });
}

function positiveInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) bad(`query option ${name} must be a positive integer`);
  return n;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    bad(`the ${what} in the URI is not validly percent-encoded`);
  }
}

/**
 * Parses `postgresql[+psycopg2|+psycopg|+pg8000]://user:password@host:port/database?options` (and
 * `postgres://`), as MLflow's SQLAlchemy store takes it. User, password and database are
 * percent-decoded; the port defaults to 5432. Options: `sslmode` (disable | require | verify-ca |
 * verify-full; default disable), `sslrootcert` (CA file path), `pool_size` (default 10),
 * `connect_timeout` (seconds, as libpq reads it; default 10), `statement_timeout` / `query_timeout`
 * (milliseconds; the server cancels a statement running longer), `application_name`, `options`,
 * `host` (a host or a Unix socket directory, when the authority names none). Any other option is
 * refused by name. Errors never echo the URI, which may hold a password.
 */
export function parsePostgresUrl(uri: string): PostgresConnectionSettings {
  if (typeof uri !== 'string') bad('the URI must be a string');
  const scheme = /^([a-z0-9+]+):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || !SCHEMES.includes(scheme))
    bad(`the URI scheme must be one of ${POSTGRES_SCHEMES.map((s) => `${s}://`).join(', ')}`);
  let rest = uri.slice(scheme.length + 3);
  // `user@/db?host=/socket/dir` (libpq's form for a Unix socket): the URL parser wants a host after `@`.
  const noHost = /^[^/?#]*@(?=[/?#]|$)/.test(rest);
  if (noHost) rest = rest.replace(/@(?=[/?#]|$)/, `@${NO_HOST}`);
  let url: URL;
  try {
    url = new URL(`postgresql://${rest}`);
  } catch {
    // The URL parser's own error would echo the URI, credentials included.
    bad('the URI is malformed');
  }
  const database = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/')) bad('the URI must name a database');
  const settings: PostgresConnectionSettings = {
    host: noHost ? '' : url.hostname.replace(/^\[|\]$/g, ''),
    port: 5432,
    database,
    sslMode: 'disable',
    poolSize: 10,
    connectTimeout: 10_000,
  };
  if (url.port !== '') settings.port = Number(url.port);
  if (url.username !== '') settings.user = decode(url.username, 'user name');
  if (url.password !== '') settings.password = decode(url.password, 'password');
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    if (seen.has(name)) bad(`query option ${name} is given twice`);
    seen.add(name);
    switch (name) {
      case 'sslmode':
        if (!SSL_MODES.has(value)) bad(`query option sslmode must be disable, require, verify-ca or verify-full`);
        settings.sslMode = value as SslMode;
        break;
      case 'sslrootcert':
        if (value === '') bad('query option sslrootcert must be a file path');
        settings.sslRootCert = value;
        break;
      case 'pool_size':
        settings.poolSize = positiveInt(value, name);
        break;
      case 'connect_timeout':
        settings.connectTimeout = positiveInt(value, name) * 1000;
        break;
      case 'statement_timeout':
      case 'query_timeout':
        settings.statementTimeout = positiveInt(value, name);
        break;
      case 'application_name':
        settings.applicationName = value;
        break;
      case 'options':
        settings.options = value;
        break;
      case 'host':
        if (settings.host !== '') bad('query option host conflicts with the host in the URI');
        settings.host = value;
        break;
      default:
        unknown.push(name);
    }
  }
  if (unknown.length > 0) {
    throw invalidParameter(
      `${MSG} unknown query option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in the URI (known: ${KNOWN}).`,
      { field: 'uri' },
    );
  }
  if (settings.host === '') settings.host = '127.0.0.1';
  if (settings.sslRootCert !== undefined && settings.sslMode === 'disable' && !seen.has('sslmode')) settings.sslMode = 'verify-full';
  return settings;
}
