/** Package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-sqlite';
/** URI schemes served (MLflow's: SQLAlchemy's `sqlite` with pysqlite, the only SQLite driver it names). */
export const SQLITE_SCHEMES = ['sqlite'] as const;
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [sqlite]';
/** How long a statement waits for another process's lock before SQLITE_BUSY, by default (milliseconds). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
