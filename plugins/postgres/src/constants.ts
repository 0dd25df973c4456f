/** Package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-postgres';
/**
 * URI schemes served: MLflow users write SQLAlchemy's driver suffixes (and `postgres://`, which
 * libpq and most hosting providers print), none of which names a driver here.
 */
export const POSTGRES_SCHEMES = ['postgresql', 'postgres', 'postgresql+psycopg2', 'postgresql+psycopg', 'postgresql+pg8000'] as const;
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [postgresql]';
/** The form a URI must take, for messages (never the URI itself: it may hold a password). */
export const URI_FORM = 'postgresql://user:password@host:port/database?sslmode=require';
