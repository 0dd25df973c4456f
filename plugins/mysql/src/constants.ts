/** Package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-mysql';
/** URI schemes served: MLflow users write SQLAlchemy's driver suffixes, which name no driver here. */
export const MYSQL_SCHEMES = ['mysql', 'mysql+pymysql', 'mysql+mysqldb'] as const;
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [mysql]';
