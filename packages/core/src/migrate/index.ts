export { migrate } from './migrate.js';
export {
  ENTITY_NAMES,
  type EntityCounts,
  INCOMPLETE_TAG,
  type MigrateOptions,
  type MigrateProgress,
  type MigrateReport,
  SOURCE_MODEL_TAG,
  SOURCE_RUN_TAG,
} from './migrate-types.js';
