import {
  ALL_STAGES,
  alreadyExists,
  canonicalStage,
  type CreateModelVersionOptions,
  DELETED_INTERNAL_STAGE,
  invalidParameter,
  type ModelVersion,
  type ModelVersionStatus,
  type ModelVersionTag,
  notFound,
  parseLoggedModelUri,
  type PagedList,
  type RegisteredModel,
  type RegisteredModelTag,
  type RegistryStore,
  STAGES_ALLOWING_ARCHIVE,
} from '@labbook/core/plugin';
import type { ModelVersionsQuery, RegisteredModelsQuery, SearchAnswer } from '@labbook/core/plugin';
import type { MysqlDatabase } from './database.js';
import { isDuplicateKey, type Queryable } from './errors.js';
import { pushTo } from './multimap.js';
import { databaseOf, type MysqlRegistryStoreOptions } from './options.js';
import { qs, type Row, rowsOf } from './queries.js';
import { num } from './rows.js';

function versionNumber(version: string): number {
  if (!/^\d{1,10}$/.test(version) || Number(version) > 2147483647) {
    throw invalidParameter(`Parameter 'version' must be an integer, got '${version}'.`);
  }
  return Number(version);
}

const BY_NAME = '`name` = ? AND BINARY `name` = ?';

/**
 * MLflow's SqlAlchemyStore model registry on MySQL/MariaDB: stages (with archiving), aliases, tags,
 * soft-deleted versions whose fields are redacted as MLflow redacts them.
 */
export class MysqlRegistryStore implements RegistryStore {
  readonly db: MysqlDatabase;

  constructor(options: MysqlRegistryStoreOptions) {
    this.db = databaseOf(options);
  }

  private async modelRow(c: Queryable | MysqlDatabase, name: string, lock = false): Promise<Row> {
    const r = await rowsOf(c, `SELECT * FROM registered_models WHERE ${BY_NAME}${lock ? ' FOR UPDATE' : ''}`, [name, name]);
    if (r.length === 0) throw notFound(`Registered Model with name=${name} not found`);
    return r[0]!;
  }

  private async versionRow(c: Queryable | MysqlDatabase, name: string, version: string): Promise<Row> {
    const v = versionNumber(version);
    const r = await rowsOf(c, `SELECT * FROM model_versions WHERE ${BY_NAME} AND version = ? AND current_stage <> ?`, [
      name,
      name,
      v,
      DELETED_INTERNAL_STAGE,
    ]);
    if (r.length === 0) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return r[0]!;
  }

  /** Versions (with tags and aliases) of the given rows, in two queries. */
  private async versionsFrom(versionRows: Row[]): Promise<ModelVersion[]> {
    if (versionRows.length === 0) return [];
    const names = [...new Set(versionRows.map((r) => String(r.name)))];
    const [tags, aliases] = await Promise.all([
      this.db.query<Row[]>(`SELECT \`key\`, value, name, version FROM model_version_tags WHERE name IN (${qs(names.length)})`, names),
      this.db.query<Row[]>(`SELECT alias, version, name FROM registered_model_aliases WHERE name IN (${qs(names.length)})`, names),
    ]);
    const k = (n: unknown, v: unknown) => `${String(n)}\u0000${String(v)}`;
    const tagMap = new Map<string, ModelVersionTag[]>();
    for (const t of tags) {
      pushTo(tagMap, k(t.name, t.version), { key: String(t.key), value: (t.value as string | null) ?? '' });
    }
    const aliasMap = new Map<string, string[]>();
    for (const a of aliases) {
      pushTo(aliasMap, k(a.name, a.version), String(a.alias));
    }
    return versionRows.map((r) => {
      const mv: ModelVersion = {
        name: String(r.name),
        version: String(r.version),
        creationTimestamp: num(r.creation_time) ?? 0,
        lastUpdatedTimestamp: num(r.last_updated_time) ?? 0,
        currentStage: (r.current_stage as string | null) ?? 'None',
        source: (r.source as string | null) ?? '',
        status: ((r.status as string | null) ?? 'READY') as ModelVersionStatus,
        tags: tagMap.get(k(r.name, r.version)) ?? [],
        aliases: aliasMap.get(k(r.name, r.version)) ?? [],
      };
      if (r.user_id !== null && r.user_id !== undefined) mv.userId = String(r.user_id);
      if (r.description !== null && r.description !== undefined) mv.description = String(r.description);
      if (r.run_id !== null && r.run_id !== undefined && r.run_id !== '') mv.runId = String(r.run_id);
      if (r.status_message !== null && r.status_message !== undefined) mv.statusMessage = String(r.status_message);
      if (r.run_link !== null && r.run_link !== undefined && r.run_link !== '') mv.runLink = String(r.run_link);
      // MLflow's SQL schema has no model_id column: the id is the one the source names.
      const modelId = parseLoggedModelUri(mv.source)?.modelId;
      if (modelId) mv.modelId = modelId;
      return mv;
    });
  }

  /** Models (with latest versions per stage, tags and aliases) of the given rows. */
  private async modelsFrom(modelRows: Row[]): Promise<RegisteredModel[]> {
    if (modelRows.length === 0) return [];
    const names = modelRows.map((r) => String(r.name));
    const marks = qs(names.length);
    const [tags, aliases, versionRows] = await Promise.all([
      this.db.query<Row[]>(`SELECT \`key\`, value, name FROM registered_model_tags WHERE name IN (${marks})`, names),
      this.db.query<Row[]>(`SELECT alias, version, name FROM registered_model_aliases WHERE name IN (${marks})`, names),
      this.db.query<Row[]>(
        `SELECT mv.* FROM model_versions mv JOIN (
           SELECT name, current_stage, MAX(version) AS version FROM model_versions
           WHERE name IN (${marks}) AND current_stage <> ? GROUP BY name, current_stage
         ) latest ON latest.name = mv.name AND latest.version = mv.version`,
        [...names, DELETED_INTERNAL_STAGE],
      ),
    ]);
    const latest = await this.versionsFrom(versionRows);
    return modelRows.map((r) => {
      const name = String(r.name);
      const m: RegisteredModel = {
        name,
        creationTimestamp: num(r.creation_time) ?? 0,
        lastUpdatedTimestamp: num(r.last_updated_time) ?? 0,
        latestVersions: latest
          .filter((v) => v.name === name)
          .sort((a, b) => ALL_STAGES.indexOf(a.currentStage as never) - ALL_STAGES.indexOf(b.currentStage as never)),
        tags: tags.filter((t) => t.name === name).map((t) => ({ key: String(t.key), value: (t.value as string | null) ?? '' })),
        aliases: aliases.filter((a) => a.name === name).map((a) => ({ alias: String(a.alias), version: String(a.version) })),
      };
      if (r.description !== null && r.description !== undefined) m.description = String(r.description);
      return m;
    });
  }

  async createRegisteredModel(name: string, tags: RegisteredModelTag[] = [], description?: string): Promise<RegisteredModel> {
    await this.db.transaction(
      async (c) => {
        const now = Date.now();
        try {
          await c.query('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)', [
            name,
            now,
            now,
            description ?? null,
          ]);
        } catch (error) {
          if (isDuplicateKey(error)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
          throw error;
        }
        if (tags.length > 0) {
          await c.query('INSERT INTO registered_model_tags (`key`, value, name) VALUES ? ON DUPLICATE KEY UPDATE value = VALUES(value)', [
            tags.map((t) => [t.key, t.value, name]),
          ]);
        }
      },
      false,
      'createRegisteredModel',
    );
    return this.getRegisteredModel(name);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    await this.db.transaction(
      async (c) => {
        await this.modelRow(c, name);
        await c.query(`UPDATE registered_models SET description = ?, last_updated_time = ? WHERE ${BY_NAME}`, [
          description,
          Date.now(),
          name,
          name,
        ]);
      },
      true,
      'updateRegisteredModel',
    );
    return this.getRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    await this.db.transaction(
      async (c) => {
        await this.modelRow(c, name, true);
        try {
          // ON UPDATE CASCADE moves versions, their tags, model tags and aliases.
          await c.query(`UPDATE registered_models SET name = ?, last_updated_time = ? WHERE ${BY_NAME}`, [newName, Date.now(), name, name]);
        } catch (error) {
          if (isDuplicateKey(error)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
          throw error;
        }
      },
      false,
      'renameRegisteredModel',
    );
    return this.getRegisteredModel(newName);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        await this.modelRow(c, name, true);
        await c.query(`DELETE FROM model_version_tags WHERE ${BY_NAME}`, [name, name]);
        await c.query(`DELETE FROM model_versions WHERE ${BY_NAME}`, [name, name]);
        await c.query(`DELETE FROM registered_model_tags WHERE ${BY_NAME}`, [name, name]);
        await c.query(`DELETE FROM registered_model_aliases WHERE ${BY_NAME}`, [name, name]);
        await c.query(`DELETE FROM registered_models WHERE ${BY_NAME}`, [name, name]);
      },
      false,
      'deleteRegisteredModel',
    );
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const row = await this.modelRow(this.db, name);
    return (await this.modelsFrom([row]))[0]!;
  }

  /** Every model with its tags, aliases and latest versions: core filters, orders and pages them. */
  async searchRegisteredModels(_query: RegisteredModelsQuery): Promise<SearchAnswer<RegisteredModel>> {
    return { kind: 'candidates', items: await this.modelsFrom(await this.db.query<Row[]>('SELECT * FROM registered_models', [])) };
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const model = await this.getRegisteredModel(name);
    if (stages.length === 0) return model.latestVersions;
    const wanted = stages.map((s) => {
      const stage = canonicalStage(s);
      if (stage === undefined) throw invalidParameter(`Invalid Model Version stage: ${s}. Value must be one of ${ALL_STAGES.join(', ')}.`);
      return stage;
    });
    return model.latestVersions.filter((v) => wanted.includes(v.currentStage as never));
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.modelRow(c, name);
        await c.query(
          'INSERT INTO registered_model_tags (`key`, value, name) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)',
          [tag.key, tag.value, row.name],
        );
      },
      true,
      'setRegisteredModelTag',
    );
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.modelRow(c, name);
        await c.query('DELETE FROM registered_model_tags WHERE name = ? AND `key` = ? AND BINARY `key` = ?', [row.name, key, key]);
      },
      true,
      'deleteRegisteredModelTag',
    );
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const { name } = options;
    let created = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        created = await this.db.transaction(
          async (c) => {
            const model = await this.modelRow(c, name, true);
            const [max] = await rowsOf(c, 'SELECT COALESCE(MAX(version), 0) AS v FROM model_versions WHERE name = ?', [model.name]);
            const version = Number(max!.v) + 1;
            const now = Date.now();
            await c.query(
              "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location) VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, 'READY', NULL, ?, ?)",
              [
                model.name,
                version,
                now,
                now,
                options.description ?? null,
                options.source,
                options.runId ?? null,
                options.runLink ?? null,
                options.source,
              ],
            );
            await c.query('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, model.name]);
            if (options.tags && options.tags.length > 0) {
              await c.query(
                'INSERT INTO model_version_tags (`key`, value, name, version) VALUES ? ON DUPLICATE KEY UPDATE value = VALUES(value)',
                [options.tags.map((t) => [t.key, t.value, model.name, version])],
              );
            }
            return version;
          },
          false,
          'createModelVersion',
        );
        break;
      } catch (error) {
        if (
          attempt < 5 &&
          (isDuplicateKey((error as { cause?: unknown }).cause) || (error as { code?: string }).code === 'TEMPORARILY_UNAVAILABLE')
        )
          continue;
        throw error;
      }
    }
    return this.getModelVersion(name, String(created));
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await c.query('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
          description,
          Date.now(),
          row.name,
          row.version,
        ]);
      },
      true,
      'updateModelVersion',
    );
    return this.getModelVersion(name, version);
  }

  async transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (target === undefined)
      throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${ALL_STAGES.join(', ')}.`);
    if (archiveExistingVersions && !STAGES_ALLOWING_ARCHIVE.includes(target)) {
      throw invalidParameter(
        `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging, Production`,
      );
    }
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        const now = Date.now();
        if (archiveExistingVersions) {
          await c.query(
            "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND version <> ? AND current_stage = ?",
            [now, row.name, row.version, target],
          );
        }
        await c.query('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
          target,
          now,
          row.name,
          row.version,
        ]);
        await c.query('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, row.name]);
      },
      true,
      'transitionModelVersionStage',
    );
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        const now = Date.now();
        await c.query('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?', [row.name, row.version]);
        // MLflow's SQL store keeps the row (version numbers are never reused) but redacts it.
        await c.query(
          "UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, user_id = NULL, source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', status_message = NULL WHERE name = ? AND version = ?",
          [DELETED_INTERNAL_STAGE, now, row.name, row.version],
        );
        await c.query('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, row.name]);
      },
      true,
      'deleteModelVersion',
    );
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const row = await this.versionRow(this.db, name, version);
    return (await this.versionsFrom([row]))[0]!;
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const row = await this.versionRow(this.db, name, version);
    return String(row.storage_location ?? row.source ?? '');
  }

  /** Every live version: core filters, orders and pages them. */
  async searchModelVersions(_query: ModelVersionsQuery): Promise<SearchAnswer<ModelVersion>> {
    const versionRows = await this.db.query<Row[]>('SELECT * FROM model_versions WHERE current_stage <> ?', [DELETED_INTERNAL_STAGE]);
    return { kind: 'candidates', items: await this.versionsFrom(versionRows) };
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await c.query(
          'INSERT INTO model_version_tags (`key`, value, name, version) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)',
          [tag.key, tag.value, row.name, row.version],
        );
      },
      true,
      'setModelVersionTag',
    );
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await c.query('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND `key` = ? AND BINARY `key` = ?', [
          row.name,
          row.version,
          key,
          key,
        ]);
      },
      true,
      'deleteModelVersionTag',
    );
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await c.query(
          'INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE version = VALUES(version)',
          [alias, row.version, row.name],
        );
      },
      true,
      'setRegisteredModelAlias',
    );
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const model = await this.modelRow(c, name);
        await c.query('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ? AND BINARY alias = ?', [model.name, alias, alias]);
      },
      true,
      'deleteRegisteredModelAlias',
    );
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const model = await this.modelRow(this.db, name);
    const r = await this.db.query<Row[]>('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ? AND BINARY alias = ?', [
      model.name,
      alias,
      alias,
    ]);
    if (r.length === 0) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(String(model.name), String(r[0]!.version));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
