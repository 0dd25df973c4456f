/**
 * MLflow's SQL schema at alembic head {@link ALEMBIC_HEAD} as MySQL renders it (mlflow-compat §4 and
 * MLflow's `tests/db/schemas/mysql.sql`). Column types, nullability, keys, index and constraint names
 * follow MLflow so that MLflow's server opens a database labbook created, and the other way round.
 * Collations are left to the database default, as MLflow leaves them; queries compare with BINARY.
 */

/** The alembic revision this schema is (MLflow's `add_jobs_table`). */
export const ALEMBIC_HEAD = 'bf29a5ff90ea';

const LIFECYCLE = "('active','deleted')";

/** CREATE TABLE statements in dependency order (parents before children). */
export const SCHEMA_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS alembic_version (
  version_num VARCHAR(32) NOT NULL,
  PRIMARY KEY (version_num)
)`,
  `CREATE TABLE IF NOT EXISTS experiments (
  experiment_id INTEGER NOT NULL AUTO_INCREMENT,
  name VARCHAR(256) NOT NULL,
  artifact_location VARCHAR(256),
  lifecycle_stage VARCHAR(32),
  creation_time BIGINT,
  last_update_time BIGINT,
  PRIMARY KEY (experiment_id),
  UNIQUE KEY name (name),
  CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ${LIFECYCLE})
)`,
  `CREATE TABLE IF NOT EXISTS experiment_tags (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(5000),
  experiment_id INTEGER NOT NULL,
  PRIMARY KEY (\`key\`, experiment_id),
  KEY experiment_id (experiment_id),
  CONSTRAINT experiment_tags_ibfk_1 FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE TABLE IF NOT EXISTS runs (
  run_uuid VARCHAR(32) NOT NULL,
  name VARCHAR(250),
  source_type VARCHAR(20),
  source_name VARCHAR(500),
  entry_point_name VARCHAR(50),
  user_id VARCHAR(256),
  status VARCHAR(9),
  start_time BIGINT,
  end_time BIGINT,
  source_version VARCHAR(50),
  lifecycle_stage VARCHAR(20),
  artifact_uri VARCHAR(200),
  experiment_id INTEGER,
  deleted_time BIGINT,
  PRIMARY KEY (run_uuid),
  KEY experiment_id (experiment_id),
  CONSTRAINT runs_ibfk_1 FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id),
  CONSTRAINT runs_chk_1 CHECK (status IN ('SCHEDULED','FAILED','FINISHED','RUNNING','KILLED')),
  CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ${LIFECYCLE}),
  CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK','JOB','LOCAL','UNKNOWN','PROJECT'))
)`,
  `CREATE TABLE IF NOT EXISTS tags (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(8000),
  run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (\`key\`, run_uuid),
  KEY index_tags_run_uuid (run_uuid),
  CONSTRAINT tags_ibfk_1 FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE TABLE IF NOT EXISTS params (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(8000) NOT NULL,
  run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (\`key\`, run_uuid),
  KEY index_params_run_uuid (run_uuid),
  CONSTRAINT params_ibfk_1 FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE TABLE IF NOT EXISTS metrics (
  \`key\` VARCHAR(250) NOT NULL,
  value DOUBLE NOT NULL,
  timestamp BIGINT NOT NULL,
  run_uuid VARCHAR(32) NOT NULL,
  step BIGINT NOT NULL DEFAULT '0',
  is_nan TINYINT NOT NULL DEFAULT '0',
  PRIMARY KEY (\`key\`, timestamp, step, run_uuid, value, is_nan),
  KEY index_metrics_run_uuid (run_uuid),
  CONSTRAINT metrics_ibfk_1 FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid),
  CONSTRAINT metrics_chk_1 CHECK (is_nan IN (0,1))
)`,
  `CREATE TABLE IF NOT EXISTS latest_metrics (
  \`key\` VARCHAR(250) NOT NULL,
  value DOUBLE NOT NULL,
  timestamp BIGINT,
  step BIGINT NOT NULL,
  is_nan TINYINT NOT NULL,
  run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (\`key\`, run_uuid),
  KEY index_latest_metrics_run_uuid (run_uuid),
  CONSTRAINT latest_metrics_ibfk_1 FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid),
  CONSTRAINT latest_metrics_chk_1 CHECK (is_nan IN (0,1))
)`,
  `CREATE TABLE IF NOT EXISTS datasets (
  dataset_uuid VARCHAR(36) NOT NULL,
  experiment_id INTEGER NOT NULL,
  name VARCHAR(500) NOT NULL,
  digest VARCHAR(36) NOT NULL,
  dataset_source_type VARCHAR(36) NOT NULL,
  dataset_source TEXT NOT NULL,
  dataset_schema MEDIUMTEXT,
  dataset_profile MEDIUMTEXT,
  PRIMARY KEY (experiment_id, name, digest),
  KEY index_datasets_dataset_uuid (dataset_uuid),
  KEY index_datasets_experiment_id_dataset_source_type (experiment_id, dataset_source_type),
  CONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS inputs (
  input_uuid VARCHAR(36) NOT NULL,
  source_type VARCHAR(36) NOT NULL,
  source_id VARCHAR(36) NOT NULL,
  destination_type VARCHAR(36) NOT NULL,
  destination_id VARCHAR(36) NOT NULL,
  step BIGINT NOT NULL DEFAULT '0',
  PRIMARY KEY (source_type, source_id, destination_type, destination_id),
  KEY index_inputs_input_uuid (input_uuid),
  KEY index_inputs_destination_type_destination_id_source_type (destination_type, destination_id, source_type)
)`,
  `CREATE TABLE IF NOT EXISTS input_tags (
  input_uuid VARCHAR(36) NOT NULL,
  name VARCHAR(255) NOT NULL,
  value VARCHAR(500) NOT NULL,
  PRIMARY KEY (input_uuid, name)
)`,
  `CREATE TABLE IF NOT EXISTS registered_models (
  name VARCHAR(256) NOT NULL,
  creation_time BIGINT,
  last_updated_time BIGINT,
  description VARCHAR(5000),
  PRIMARY KEY (name)
)`,
  `CREATE TABLE IF NOT EXISTS model_versions (
  name VARCHAR(256) NOT NULL,
  version INTEGER NOT NULL,
  creation_time BIGINT,
  last_updated_time BIGINT,
  description VARCHAR(5000),
  user_id VARCHAR(256),
  current_stage VARCHAR(20),
  source VARCHAR(500),
  run_id VARCHAR(32),
  status VARCHAR(20),
  status_message VARCHAR(500),
  run_link VARCHAR(500),
  storage_location VARCHAR(500),
  PRIMARY KEY (name, version),
  CONSTRAINT model_versions_ibfk_1 FOREIGN KEY (name) REFERENCES registered_models (name) ON UPDATE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS registered_model_tags (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(5000),
  name VARCHAR(256) NOT NULL,
  PRIMARY KEY (\`key\`, name),
  KEY name (name),
  CONSTRAINT registered_model_tags_ibfk_1 FOREIGN KEY (name) REFERENCES registered_models (name) ON UPDATE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS model_version_tags (
  \`key\` VARCHAR(250) NOT NULL,
  value TEXT,
  name VARCHAR(256) NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (\`key\`, name, version),
  KEY name (name, version),
  CONSTRAINT model_version_tags_ibfk_1 FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON UPDATE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS registered_model_aliases (
  alias VARCHAR(256) NOT NULL,
  version INTEGER NOT NULL,
  name VARCHAR(256) NOT NULL,
  PRIMARY KEY (name, alias),
  CONSTRAINT registered_model_alias_name_fkey FOREIGN KEY (name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS webhooks (
  webhook_id VARCHAR(256) NOT NULL,
  name VARCHAR(256) NOT NULL,
  description VARCHAR(1000),
  url VARCHAR(500) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'ACTIVE',
  secret VARCHAR(1000),
  creation_timestamp BIGINT,
  last_updated_timestamp BIGINT,
  deleted_timestamp BIGINT,
  PRIMARY KEY (webhook_id),
  KEY idx_webhooks_status (status),
  KEY idx_webhooks_name (name)
)`,
  `CREATE TABLE IF NOT EXISTS webhook_events (
  webhook_id VARCHAR(256) NOT NULL,
  entity VARCHAR(50) NOT NULL,
  action VARCHAR(50) NOT NULL,
  PRIMARY KEY (webhook_id, entity, action),
  KEY idx_webhook_events_entity (entity),
  KEY idx_webhook_events_action (action),
  KEY idx_webhook_events_entity_action (entity, action),
  CONSTRAINT fk_webhook_events_webhook_id FOREIGN KEY (webhook_id) REFERENCES webhooks (webhook_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS trace_info (
  request_id VARCHAR(50) NOT NULL,
  experiment_id INTEGER NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  execution_time_ms BIGINT,
  status VARCHAR(50) NOT NULL,
  client_request_id VARCHAR(50),
  request_preview VARCHAR(1000),
  response_preview VARCHAR(1000),
  PRIMARY KEY (request_id),
  KEY index_trace_info_experiment_id_timestamp_ms (experiment_id, timestamp_ms),
  CONSTRAINT fk_trace_info_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE TABLE IF NOT EXISTS trace_tags (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(8000),
  request_id VARCHAR(50) NOT NULL,
  PRIMARY KEY (\`key\`, request_id),
  KEY index_trace_tags_request_id (request_id),
  CONSTRAINT fk_trace_tags_request_id FOREIGN KEY (request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS trace_request_metadata (
  \`key\` VARCHAR(250) NOT NULL,
  value VARCHAR(8000),
  request_id VARCHAR(50) NOT NULL,
  PRIMARY KEY (\`key\`, request_id),
  KEY index_trace_request_metadata_request_id (request_id),
  CONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY (request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS assessments (
  assessment_id VARCHAR(50) NOT NULL,
  trace_id VARCHAR(50) NOT NULL,
  name VARCHAR(250) NOT NULL,
  assessment_type VARCHAR(20) NOT NULL,
  value TEXT NOT NULL,
  error TEXT,
  created_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL,
  source_type VARCHAR(50) NOT NULL,
  source_id VARCHAR(250),
  run_id VARCHAR(32),
  span_id VARCHAR(50),
  rationale TEXT,
  overrides VARCHAR(50),
  valid TINYINT NOT NULL,
  assessment_metadata TEXT,
  PRIMARY KEY (assessment_id),
  KEY index_assessments_trace_id_created_timestamp (trace_id, created_timestamp),
  KEY index_assessments_run_id_created_timestamp (run_id, created_timestamp),
  KEY index_assessments_last_updated_timestamp (last_updated_timestamp),
  KEY index_assessments_assessment_type (assessment_type),
  CONSTRAINT fk_assessments_trace_id FOREIGN KEY (trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS spans (
  trace_id VARCHAR(50) NOT NULL,
  experiment_id INTEGER NOT NULL,
  span_id VARCHAR(50) NOT NULL,
  parent_span_id VARCHAR(50),
  name TEXT,
  type VARCHAR(500),
  status VARCHAR(50) NOT NULL,
  start_time_unix_nano BIGINT NOT NULL,
  end_time_unix_nano BIGINT,
  duration_ns BIGINT AS (end_time_unix_nano - start_time_unix_nano) STORED,
  content LONGTEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id),
  KEY index_spans_experiment_id (experiment_id),
  KEY index_spans_experiment_id_status_type (experiment_id, status, type),
  KEY index_spans_experiment_id_type_status (experiment_id, type, status),
  KEY index_spans_experiment_id_duration (experiment_id, duration_ns),
  CONSTRAINT fk_spans_trace_id FOREIGN KEY (trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE,
  CONSTRAINT fk_spans_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE TABLE IF NOT EXISTS logged_models (
  model_id VARCHAR(36) NOT NULL,
  experiment_id INTEGER NOT NULL,
  name VARCHAR(500) NOT NULL,
  artifact_location VARCHAR(1000) NOT NULL,
  creation_timestamp_ms BIGINT NOT NULL,
  last_updated_timestamp_ms BIGINT NOT NULL,
  status INTEGER NOT NULL,
  lifecycle_stage VARCHAR(32),
  model_type VARCHAR(500),
  source_run_id VARCHAR(32),
  status_message VARCHAR(1000),
  PRIMARY KEY (model_id),
  CONSTRAINT fk_logged_models_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE,
  CONSTRAINT logged_models_lifecycle_stage_check CHECK (lifecycle_stage IN ${LIFECYCLE})
)`,
  `CREATE TABLE IF NOT EXISTS logged_model_metrics (
  model_id VARCHAR(36) NOT NULL,
  metric_name VARCHAR(500) NOT NULL,
  metric_timestamp_ms BIGINT NOT NULL,
  metric_step BIGINT NOT NULL,
  metric_value DOUBLE,
  experiment_id INTEGER NOT NULL,
  run_id VARCHAR(32) NOT NULL,
  dataset_uuid VARCHAR(36),
  dataset_name VARCHAR(500),
  dataset_digest VARCHAR(36),
  PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id),
  KEY index_logged_model_metrics_model_id (model_id),
  CONSTRAINT fk_logged_model_metrics_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id),
  CONSTRAINT fk_logged_model_metrics_model_id FOREIGN KEY (model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE,
  CONSTRAINT fk_logged_model_metrics_run_id FOREIGN KEY (run_id) REFERENCES runs (run_uuid) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS logged_model_params (
  model_id VARCHAR(36) NOT NULL,
  experiment_id INTEGER NOT NULL,
  param_key VARCHAR(255) NOT NULL,
  param_value TEXT NOT NULL,
  PRIMARY KEY (model_id, param_key),
  CONSTRAINT fk_logged_model_params_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id),
  CONSTRAINT fk_logged_model_params_model_id FOREIGN KEY (model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS logged_model_tags (
  model_id VARCHAR(36) NOT NULL,
  experiment_id INTEGER NOT NULL,
  tag_key VARCHAR(255) NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (model_id, tag_key),
  CONSTRAINT fk_logged_model_tags_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id),
  CONSTRAINT fk_logged_model_tags_model_id FOREIGN KEY (model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS entity_associations (
  association_id VARCHAR(36) NOT NULL,
  source_type VARCHAR(36) NOT NULL,
  source_id VARCHAR(36) NOT NULL,
  destination_type VARCHAR(36) NOT NULL,
  destination_id VARCHAR(36) NOT NULL,
  created_time BIGINT,
  PRIMARY KEY (source_type, source_id, destination_type, destination_id),
  KEY index_entity_associations_association_id (association_id),
  KEY index_entity_associations_reverse_lookup (destination_type, destination_id, source_type, source_id)
)`,
  `CREATE TABLE IF NOT EXISTS evaluation_datasets (
  dataset_id VARCHAR(36) NOT NULL,
  name VARCHAR(255) NOT NULL,
  \`schema\` TEXT,
  profile TEXT,
  digest VARCHAR(64),
  created_time BIGINT,
  last_update_time BIGINT,
  created_by VARCHAR(255),
  last_updated_by VARCHAR(255),
  PRIMARY KEY (dataset_id),
  KEY index_evaluation_datasets_name (name),
  KEY index_evaluation_datasets_created_time (created_time)
)`,
  `CREATE TABLE IF NOT EXISTS evaluation_dataset_tags (
  dataset_id VARCHAR(36) NOT NULL,
  \`key\` VARCHAR(255) NOT NULL,
  value VARCHAR(5000),
  PRIMARY KEY (dataset_id, \`key\`),
  KEY index_evaluation_dataset_tags_dataset_id (dataset_id),
  CONSTRAINT fk_evaluation_dataset_tags_dataset_id FOREIGN KEY (dataset_id) REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS evaluation_dataset_records (
  dataset_record_id VARCHAR(36) NOT NULL,
  dataset_id VARCHAR(36) NOT NULL,
  inputs JSON NOT NULL,
  expectations JSON,
  tags JSON,
  source JSON,
  source_id VARCHAR(36),
  source_type VARCHAR(255),
  created_time BIGINT,
  last_update_time BIGINT,
  created_by VARCHAR(255),
  last_updated_by VARCHAR(255),
  input_hash VARCHAR(64) NOT NULL,
  outputs JSON,
  PRIMARY KEY (dataset_record_id),
  UNIQUE KEY unique_dataset_input (dataset_id, input_hash),
  KEY index_evaluation_dataset_records_dataset_id (dataset_id),
  CONSTRAINT fk_evaluation_dataset_records_dataset_id FOREIGN KEY (dataset_id) REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS scorers (
  experiment_id INTEGER NOT NULL,
  scorer_name VARCHAR(256) NOT NULL,
  scorer_id VARCHAR(36) NOT NULL,
  PRIMARY KEY (scorer_id),
  UNIQUE KEY index_scorers_experiment_id_scorer_name (experiment_id, scorer_name),
  CONSTRAINT fk_scorers_experiment_id FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS scorer_versions (
  scorer_id VARCHAR(36) NOT NULL,
  scorer_version INTEGER NOT NULL,
  serialized_scorer TEXT NOT NULL,
  creation_time BIGINT,
  PRIMARY KEY (scorer_id, scorer_version),
  KEY index_scorer_versions_scorer_id (scorer_id),
  CONSTRAINT fk_scorer_versions_scorer_id FOREIGN KEY (scorer_id) REFERENCES scorers (scorer_id) ON DELETE CASCADE
)`,
  `CREATE TABLE IF NOT EXISTS jobs (
  id VARCHAR(36) NOT NULL,
  creation_time BIGINT NOT NULL,
  function_fullname VARCHAR(500) NOT NULL,
  params TEXT NOT NULL,
  timeout DOUBLE,
  status INTEGER NOT NULL,
  result TEXT,
  retry_count INTEGER NOT NULL,
  last_update_time BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY index_jobs_function_status_creation_time (function_fullname, status, creation_time)
)`,
];
