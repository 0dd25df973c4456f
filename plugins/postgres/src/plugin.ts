import { definePlugin, type RegistryStoreFactory, type TrackingStoreFactory } from '@labbook/core/plugin';
import { PLUGIN_NAME, POSTGRES_SCHEMES } from './constants.js';
import { checkPostgresOptions } from './options.js';
import { PostgresRegistryStore, PostgresTrackingStore } from './postgres-stores.js';

const tracking: TrackingStoreFactory = (uri, options) => new PostgresTrackingStore(checkPostgresOptions(uri, options));
const registry: RegistryStoreFactory = (uri, options) => new PostgresRegistryStore(checkPostgresOptions(uri, options));

/** The PostgreSQL plugin: `postgresql://`, `postgres://` and SQLAlchemy's `postgresql+<driver>://` for tracking and the registry. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  trackingStores: Object.fromEntries(POSTGRES_SCHEMES.map((s) => [s, tracking])),
  registryStores: Object.fromEntries(POSTGRES_SCHEMES.map((s) => [s, registry])),
});

export { PostgresDatabase } from './database.js';
export { PostgresRegistryStore, PostgresTrackingStore } from './postgres-stores.js';
