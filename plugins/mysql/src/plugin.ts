import { definePlugin, type RegistryStoreFactory, type TrackingStoreFactory } from '@labbook/core/plugin';
import { MYSQL_SCHEMES, PLUGIN_NAME } from './constants.js';
import { MysqlRegistryStore, MysqlTrackingStore } from './mysql-stores.js';
import { checkMysqlOptions } from './options.js';

const tracking: TrackingStoreFactory = (uri, options) => new MysqlTrackingStore(checkMysqlOptions(uri, options));
const registry: RegistryStoreFactory = (uri, options) => new MysqlRegistryStore(checkMysqlOptions(uri, options));

/** The MySQL plugin: `mysql://`, `mysql+pymysql://` and `mysql+mysqldb://` for tracking and the registry. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  trackingStores: Object.fromEntries(MYSQL_SCHEMES.map((s) => [s, tracking])),
  registryStores: Object.fromEntries(MYSQL_SCHEMES.map((s) => [s, registry])),
});

export { MysqlDatabase } from './database.js';
