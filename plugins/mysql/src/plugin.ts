import { definePlugin, type RegistryStoreFactory, type StoreFactoryOptions, type TrackingStoreFactory } from '@labbook/core';
import type { Pool } from 'mysql2/promise';
import { MYSQL_SCHEMES, PLUGIN_NAME } from './constants.js';
import { MysqlDatabase } from './database.js';
import { MysqlRegistryStore } from './mysql-registry-store.js';
import { MysqlTrackingStore } from './mysql-tracking-store.js';

function databaseOptions(uri: string, options: StoreFactoryOptions) {
  const pool = (options.client ?? options.pool) as Pool | undefined;
  return {
    uri,
    ...(pool === undefined ? {} : { pool }),
    ...(typeof options.artifactRoot === 'string' ? { artifactRoot: options.artifactRoot } : {}),
  };
}

const tracking: TrackingStoreFactory = (uri, options) => new MysqlTrackingStore(databaseOptions(uri, options));
const registry: RegistryStoreFactory = (uri, options) => new MysqlRegistryStore(databaseOptions(uri, options));

/** The MySQL plugin: `mysql://`, `mysql+pymysql://` and `mysql+mysqldb://` for tracking and the registry. */
export default definePlugin({
  name: PLUGIN_NAME,
  trackingStores: Object.fromEntries(MYSQL_SCHEMES.map((s) => [s, tracking])),
  registryStores: Object.fromEntries(MYSQL_SCHEMES.map((s) => [s, registry])),
});

export { MysqlDatabase };
