import { invalidParameter } from '@labbook/core/plugin';

/** What a `mysql://` URL says about the connection. */
export interface MysqlConnectionSettings {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  /** `undefined`: plain TCP. */
  ssl?: { rejectUnauthorized: boolean; caPath?: string; certPath?: string; keyPath?: string };
  connectionLimit: number;
  /** Milliseconds to establish a connection. */
  connectTimeout: number;
  /** Milliseconds a query may run before the client gives up; `undefined`: no limit. */
  queryTimeout?: number;
}

const TRUE = /^(1|true|yes|on|required|require|verify|verify_identity|verify-full|verify_ca)$/i;
const FALSE = /^(0|false|no|off|disabled|disable)$/i;

function positiveInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw invalidParameter(`[labbook] [mysql] query option ${name} must be a positive integer`);
  return n;
}

/**
 * Parses `mysql[+pymysql|+mysqldb]://user:pass@host:port/db?options`. Options: `ssl`
 * (true | false | skip-verify), `ssl_ca` / `ssl_cert` / `ssl_key` (file paths, which imply `ssl`),
 * `pool_size` (default 10), `connect_timeout` (seconds, as PyMySQL reads it; default 10),
 * `query_timeout` (milliseconds). Credentials never appear in errors.
 */
export function parseMysqlUrl(uri: string): MysqlConnectionSettings {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme !== 'mysql' && scheme !== 'mysql+pymysql' && scheme !== 'mysql+mysqldb') {
    throw invalidParameter('[labbook] [mysql] expected a mysql://, mysql+pymysql:// or mysql+mysqldb:// URI');
  }
  let url: URL;
  try {
    url = new URL(`mysql://${uri.slice(scheme.length + 3)}`);
  } catch {
    // The URL parser's own error would echo the URI, credentials included.
    throw invalidParameter('[labbook] [mysql] malformed MySQL URI');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/'))
    throw invalidParameter('[labbook] [mysql] the URI must name a database: mysql://user:pass@host:port/<db>');
  const settings: MysqlConnectionSettings = {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port === '' ? 3306 : Number(url.port),
    database,
    connectionLimit: 10,
    connectTimeout: 10_000,
  };
  if (url.username !== '') settings.user = decodeURIComponent(url.username);
  if (url.password !== '') settings.password = decodeURIComponent(url.password);
  let sslWanted: boolean | undefined;
  let rejectUnauthorized = true;
  const files: { caPath?: string; certPath?: string; keyPath?: string } = {};
  for (const [name, value] of url.searchParams) {
    switch (name) {
      case 'ssl':
      case 'tls':
      case 'ssl_mode':
        if (/^skip[-_]verify$|^preferred$/i.test(value)) {
          sslWanted = true;
          rejectUnauthorized = false;
        } else if (TRUE.test(value)) sslWanted = true;
        else if (FALSE.test(value)) sslWanted = false;
        else throw invalidParameter(`[labbook] [mysql] unknown ${name} value (use true, false or skip-verify)`);
        break;
      case 'ssl_ca':
        files.caPath = value;
        break;
      case 'ssl_cert':
        files.certPath = value;
        break;
      case 'ssl_key':
        files.keyPath = value;
        break;
      case 'pool_size':
      case 'connection_limit':
      case 'connectionLimit':
        settings.connectionLimit = positiveInt(value, name);
        break;
      case 'connect_timeout':
        settings.connectTimeout = positiveInt(value, name) * 1000;
        break;
      case 'query_timeout':
        settings.queryTimeout = positiveInt(value, name);
        break;
      case 'charset':
        break;
      default:
        throw invalidParameter(`[labbook] [mysql] unknown query option ${name}`);
    }
  }
  if (sslWanted === true || (sslWanted === undefined && Object.keys(files).length > 0)) {
    settings.ssl = { rejectUnauthorized, ...files };
  }
  return settings;
}
