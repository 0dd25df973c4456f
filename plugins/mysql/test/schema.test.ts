import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatedRegistryStore, validatedTrackingStore } from '@labbook/core';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

/**
 * MLflow's schema at bf29a5ff90ea as MySQL renders it (mlflow-compat §4; MLflow's
 * tests/db/schemas/mysql.sql): per table, columns as `name type [NN]`, the primary key, and named indexes.
 */
const EXPECTED: Record<string, { columns: string[]; pk: string[]; indexes?: Record<string, string[]> }> = {
  alembic_version: { columns: ['version_num varchar(32) NN'], pk: ['version_num'] },
  experiments: {
    columns: [
      'experiment_id int NN',
      'name varchar(256) NN',
      'artifact_location varchar(256)',
      'lifecycle_stage varchar(32)',
      'creation_time bigint',
      'last_update_time bigint',
    ],
    pk: ['experiment_id'],
    indexes: { name: ['name'] },
  },
  experiment_tags: { columns: ['key varchar(250) NN', 'value varchar(5000)', 'experiment_id int NN'], pk: ['key', 'experiment_id'] },
  runs: {
    columns: [
      'run_uuid varchar(32) NN',
      'name varchar(250)',
      'source_type varchar(20)',
      'source_name varchar(500)',
      'entry_point_name varchar(50)',
      'user_id varchar(256)',
      'status varchar(9)',
      'start_time bigint',
      'end_time bigint',
      'source_version varchar(50)',
      'lifecycle_stage varchar(20)',
      'artifact_uri varchar(200)',
      'experiment_id int',
      'deleted_time bigint',
    ],
    pk: ['run_uuid'],
  },
  tags: {
    columns: ['key varchar(250) NN', 'value varchar(8000)', 'run_uuid varchar(32) NN'],
    pk: ['key', 'run_uuid'],
    indexes: { index_tags_run_uuid: ['run_uuid'] },
  },
  params: {
    columns: ['key varchar(250) NN', 'value varchar(8000) NN', 'run_uuid varchar(32) NN'],
    pk: ['key', 'run_uuid'],
    indexes: { index_params_run_uuid: ['run_uuid'] },
  },
  metrics: {
    columns: [
      'key varchar(250) NN',
      'value double NN',
      'timestamp bigint NN',
      'run_uuid varchar(32) NN',
      'step bigint NN',
      'is_nan tinyint NN',
    ],
    pk: ['key', 'timestamp', 'step', 'run_uuid', 'value', 'is_nan'],
    indexes: { index_metrics_run_uuid: ['run_uuid'] },
  },
  latest_metrics: {
    columns: [
      'key varchar(250) NN',
      'value double NN',
      'timestamp bigint',
      'step bigint NN',
      'is_nan tinyint NN',
      'run_uuid varchar(32) NN',
    ],
    pk: ['key', 'run_uuid'],
    indexes: { index_latest_metrics_run_uuid: ['run_uuid'] },
  },
  datasets: {
    columns: [
      'dataset_uuid varchar(36) NN',
      'experiment_id int NN',
      'name varchar(500) NN',
      'digest varchar(36) NN',
      'dataset_source_type varchar(36) NN',
      'dataset_source text NN',
      'dataset_schema mediumtext',
      'dataset_profile mediumtext',
    ],
    pk: ['experiment_id', 'name', 'digest'],
    indexes: {
      index_datasets_dataset_uuid: ['dataset_uuid'],
      index_datasets_experiment_id_dataset_source_type: ['experiment_id', 'dataset_source_type'],
    },
  },
  inputs: {
    columns: [
      'input_uuid varchar(36) NN',
      'source_type varchar(36) NN',
      'source_id varchar(36) NN',
      'destination_type varchar(36) NN',
      'destination_id varchar(36) NN',
      'step bigint NN',
    ],
    pk: ['source_type', 'source_id', 'destination_type', 'destination_id'],
    indexes: {
      index_inputs_input_uuid: ['input_uuid'],
      index_inputs_destination_type_destination_id_source_type: ['destination_type', 'destination_id', 'source_type'],
    },
  },
  input_tags: { columns: ['input_uuid varchar(36) NN', 'name varchar(255) NN', 'value varchar(500) NN'], pk: ['input_uuid', 'name'] },
  registered_models: {
    columns: ['name varchar(256) NN', 'creation_time bigint', 'last_updated_time bigint', 'description varchar(5000)'],
    pk: ['name'],
  },
  model_versions: {
    columns: [
      'name varchar(256) NN',
      'version int NN',
      'creation_time bigint',
      'last_updated_time bigint',
      'description varchar(5000)',
      'user_id varchar(256)',
      'current_stage varchar(20)',
      'source varchar(500)',
      'run_id varchar(32)',
      'status varchar(20)',
      'status_message varchar(500)',
      'run_link varchar(500)',
      'storage_location varchar(500)',
    ],
    pk: ['name', 'version'],
  },
  registered_model_tags: { columns: ['key varchar(250) NN', 'value varchar(5000)', 'name varchar(256) NN'], pk: ['key', 'name'] },
  model_version_tags: {
    columns: ['key varchar(250) NN', 'value text', 'name varchar(256) NN', 'version int NN'],
    pk: ['key', 'name', 'version'],
  },
  registered_model_aliases: { columns: ['alias varchar(256) NN', 'version int NN', 'name varchar(256) NN'], pk: ['name', 'alias'] },
  webhooks: {
    columns: [
      'webhook_id varchar(256) NN',
      'name varchar(256) NN',
      'description varchar(1000)',
      'url varchar(500) NN',
      'status varchar(20) NN',
      'secret varchar(1000)',
      'creation_timestamp bigint',
      'last_updated_timestamp bigint',
      'deleted_timestamp bigint',
    ],
    pk: ['webhook_id'],
    indexes: { idx_webhooks_status: ['status'], idx_webhooks_name: ['name'] },
  },
  webhook_events: {
    columns: ['webhook_id varchar(256) NN', 'entity varchar(50) NN', 'action varchar(50) NN'],
    pk: ['webhook_id', 'entity', 'action'],
    indexes: {
      idx_webhook_events_entity: ['entity'],
      idx_webhook_events_action: ['action'],
      idx_webhook_events_entity_action: ['entity', 'action'],
    },
  },
  trace_info: {
    columns: [
      'request_id varchar(50) NN',
      'experiment_id int NN',
      'timestamp_ms bigint NN',
      'execution_time_ms bigint',
      'status varchar(50) NN',
      'client_request_id varchar(50)',
      'request_preview varchar(1000)',
      'response_preview varchar(1000)',
    ],
    pk: ['request_id'],
  },
  trace_tags: { columns: ['key varchar(250) NN', 'value varchar(8000)', 'request_id varchar(50) NN'], pk: ['key', 'request_id'] },
  trace_request_metadata: {
    columns: ['key varchar(250) NN', 'value varchar(8000)', 'request_id varchar(50) NN'],
    pk: ['key', 'request_id'],
  },
  logged_models: {
    columns: [
      'model_id varchar(36) NN',
      'experiment_id int NN',
      'name varchar(500) NN',
      'artifact_location varchar(1000) NN',
      'creation_timestamp_ms bigint NN',
      'last_updated_timestamp_ms bigint NN',
      'status int NN',
      'lifecycle_stage varchar(32)',
      'model_type varchar(500)',
      'source_run_id varchar(32)',
      'status_message varchar(1000)',
    ],
    pk: ['model_id'],
  },
  logged_model_metrics: {
    columns: [
      'model_id varchar(36) NN',
      'metric_name varchar(500) NN',
      'metric_timestamp_ms bigint NN',
      'metric_step bigint NN',
      'metric_value double',
      'experiment_id int NN',
      'run_id varchar(32) NN',
      'dataset_uuid varchar(36)',
      'dataset_name varchar(500)',
      'dataset_digest varchar(36)',
    ],
    pk: ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'run_id'],
  },
  logged_model_params: {
    columns: ['model_id varchar(36) NN', 'experiment_id int NN', 'param_key varchar(255) NN', 'param_value text NN'],
    pk: ['model_id', 'param_key'],
  },
  logged_model_tags: {
    columns: ['model_id varchar(36) NN', 'experiment_id int NN', 'tag_key varchar(255) NN', 'tag_value text NN'],
    pk: ['model_id', 'tag_key'],
  },
};
const MLFLOW3_TABLES = [
  'assessments',
  'spans',
  'entity_associations',
  'evaluation_datasets',
  'evaluation_dataset_tags',
  'evaluation_dataset_records',
  'scorers',
  'scorer_versions',
  'jobs',
];

describe.runIf(available)('schema', () => {
  let db: MysqlTestDatabase;
  let conn: Awaited<ReturnType<typeof mysql.createConnection>>;

  beforeAll(async () => {
    db = (await testDatabase())!;
    // Two stores (and a registry) racing to initialise one empty database.
    const stores = [
      validatedTrackingStore(new MysqlTrackingStore({ uri: db.url })),
      validatedTrackingStore(new MysqlTrackingStore({ uri: db.url })),
      validatedRegistryStore(new MysqlRegistryStore({ uri: db.url })),
    ];
    await Promise.all(stores.map((s) => ('getExperiment' in s ? s.getExperiment('0') : s.searchRegisteredModels())));
    await Promise.all(stores.map((s) => s.close()));
    conn = await mysql.createConnection({ uri: db.url });
  });
  afterAll(async () => {
    await conn?.end();
    await db?.drop();
  });

  it('has every table, column, type, nullability, primary key and index of MLflow at bf29a5ff90ea', async () => {
    const [cols] = (await conn.query(
      'SELECT table_name AS t, column_name AS c, column_type AS ty, is_nullable AS n FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position',
    )) as unknown as [{ t: string; c: string; ty: string; n: string }[]];
    const [stats] = (await conn.query(
      'SELECT table_name AS t, index_name AS i, column_name AS c FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index',
    )) as unknown as [{ t: string; i: string; c: string }[]];
    const tables = new Set(cols.map((r) => r.t));
    for (const t of [...Object.keys(EXPECTED), ...MLFLOW3_TABLES]) expect(tables, t).toContain(t);
    expect(tables.size).toBe(Object.keys(EXPECTED).length + MLFLOW3_TABLES.length);
    for (const [table, spec] of Object.entries(EXPECTED)) {
      const actual = cols
        .filter((r) => r.t === table)
        .map(
          (r) =>
            `${r.c} ${r.ty
              .replace(/^int\(11\)$/, 'int')
              .replace(/^bigint\(20\)$/, 'bigint')
              .replace(/^tinyint\(4\)$/, 'tinyint')}${r.n === 'NO' ? ' NN' : ''}`,
        );
      expect(actual, table).toEqual(spec.columns);
      const pk = stats.filter((s) => s.t === table && s.i === 'PRIMARY').map((s) => s.c);
      expect(pk, `${table} primary key`).toEqual(spec.pk);
      for (const [index, columns] of Object.entries(spec.indexes ?? {})) {
        expect(
          stats.filter((s) => s.t === table && s.i === index).map((s) => s.c),
          `${table}.${index}`,
        ).toEqual(columns);
      }
    }
    const [ai] = (await conn.query(
      "SELECT extra FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'experiments' AND column_name = 'experiment_id'",
    )) as unknown as [{ extra: string }[]];
    expect(ai[0]!.extra).toContain('auto_increment');
  });

  it('holds the alembic head once and one Default experiment with id 0', async () => {
    const [v] = await conn.query('SELECT version_num FROM alembic_version');
    expect(v).toEqual([{ version_num: 'bf29a5ff90ea' }]);
    const [e] = await conn.query('SELECT experiment_id, name FROM experiments');
    expect(e).toEqual([{ experiment_id: 0, name: 'Default' }]);
  });

  it('has the evaluation-dataset, scorer and association columns and indexes of MLflow 3 at the head', async () => {
    const column = async (table: string, name: string) =>
      (
        (await conn.query(
          'SELECT column_type AS ty, is_nullable AS n, column_default AS d FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
          [table, name],
        )) as unknown as [{ ty: string; n: string; d: unknown }[]]
      )[0][0];
    const index = async (table: string, name: string) =>
      (
        (await conn.query(
          'SELECT column_name AS c FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index',
          [table, name],
        )) as unknown as [{ c: string }[]]
      )[0].map((r) => r.c);
    // Migration 3da73c924c2f (an ancestor of bf29a5ff90ea) adds outputs.
    expect((await column('evaluation_dataset_records', 'outputs'))?.n).toBe('YES');
    expect((await column('evaluation_dataset_tags', 'value'))?.ty).toBe('varchar(5000)');
    // MLflow sets retry_count in Python: no server default.
    expect((await column('jobs', 'retry_count'))?.d ?? null).toBeNull();
    expect(await index('evaluation_dataset_tags', 'index_evaluation_dataset_tags_dataset_id')).toEqual(['dataset_id']);
    expect(await index('evaluation_dataset_records', 'index_evaluation_dataset_records_dataset_id')).toEqual(['dataset_id']);
    expect(await index('scorer_versions', 'index_scorer_versions_scorer_id')).toEqual(['scorer_id']);
    expect(await index('entity_associations', 'index_entity_associations_reverse_lookup')).toEqual([
      'destination_type',
      'destination_id',
      'source_type',
      'source_id',
    ]);
  });

  it('adds the outputs column to a database an earlier labbook created without it', async () => {
    const other = (await testDatabase())!;
    try {
      const first = new MysqlTrackingStore({ uri: other.url });
      await first.getExperiment('0');
      await first.close();
      const c = await mysql.createConnection({ uri: other.url });
      await c.query('ALTER TABLE evaluation_dataset_records DROP COLUMN outputs');
      const again = new MysqlTrackingStore({ uri: other.url });
      await again.getExperiment('0');
      await again.close();
      const [cols] = (await c.query(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'evaluation_dataset_records' AND column_name = 'outputs'",
      )) as unknown as [unknown[]];
      await c.end();
      expect(cols).toHaveLength(1);
    } finally {
      await other.drop();
    }
  });

  it('refuses a database at another revision with what to run', async () => {
    const other = (await testDatabase())!;
    try {
      const c = await mysql.createConnection({ uri: other.url });
      await c.query('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, PRIMARY KEY (version_num))');
      await c.query("INSERT INTO alembic_version VALUES ('0584bdc529eb')");
      await c.end();
      const store = validatedTrackingStore(new MysqlTrackingStore({ uri: other.url }));
      let err: unknown;
      try {
        await store.getExperiment('0');
      } catch (e) {
        err = e;
      }
      await store.close();
      expect(LabbookError.is(err)).toBe(true);
      expect((err as Error).message).toMatch(/found version 0584bdc529eb, but expected bf29a5ff90ea.*mlflow db upgrade/);
    } finally {
      await other.drop();
    }
  });

  it('works on an injected pool, which close() leaves open', async () => {
    const pool = mysql.createPool({ uri: db.url, connectionLimit: 2 });
    const store = validatedTrackingStore(new MysqlTrackingStore({ pool }));
    expect((await store.getExperiment('0')).name).toBe('Default');
    await store.close();
    const [r] = await pool.query('SELECT 1 AS one');
    expect(r).toEqual([{ one: 1 }]);
    await pool.end();
  });
});
