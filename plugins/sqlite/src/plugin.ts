import { definePlugin, type RegistryStoreFactory, type TrackingStoreFactory } from '@labbook/core/plugin';
import { PLUGIN_NAME, SQLITE_SCHEMES } from './constants.js';
import { checkSqliteOptions } from './options.js';
import { SqliteRegistryStore, SqliteTrackingStore } from './sqlite-stores.js';

const tracking: TrackingStoreFactory = (uri, options) => new SqliteTrackingStore(checkSqliteOptions(uri, options));
const registry: RegistryStoreFactory = (uri, options) => new SqliteRegistryStore(checkSqliteOptions(uri, options));

/** The SQLite plugin: `sqlite://` for tracking and the registry. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  trackingStores: Object.fromEntries(SQLITE_SCHEMES.map((s) => [s, tracking])),
  registryStores: Object.fromEntries(SQLITE_SCHEMES.map((s) => [s, registry])),
});

export { SqliteDatabase } from './database.js';
