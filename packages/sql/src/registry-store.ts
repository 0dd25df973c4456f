import {
  ALL_STAGES,
  alreadyExists,
  canonicalStage,
  type CreateModelVersionOptions,
  DELETED_INTERNAL_STAGE,
  invalidParameter,
  LabbookError,
  type ModelVersion,
  type ModelVersionStatus,
  type ModelVersionTag,
  notFound,
  parseLoggedModelUri,
  type RegisteredModel,
  type RegisteredModelTag,
  type RegistryStore,
  STAGES_ALLOWING_ARCHIVE,
} from '@labbook/core/plugin';
import type { ModelVersionsQuery, RegisteredModelsQuery, SearchAnswer } from '@labbook/core/plugin';
import { rowsOf, type SqlDatabase } from './database.js';
import { chunksFor, type InsertTarget, placeholders, type SqlDialect } from './dialect.js';
import type { Row, SqlExecutor } from './driver.js';
import { pushTo } from './multimap.js';
import { num } from './rows.js';

function versionNumber(version: string): number {
  if (!/^\d{1,10}$/.test(version) || Number(version) > 2147483647) {
    throw invalidParameter(`Parameter 'version' must be an integer, got '${version}'.`);
  }
  return Number(version);
}

const MODEL_TAGS: InsertTarget = { table: 'registered_model_tags', columns: ['key', 'value', 'name'] };
const VERSION_TAGS: InsertTarget = { table: 'model_version_tags', columns: ['key', 'value', 'name', 'version'] };
const ALIASES: InsertTarget = { table: 'registered_model_aliases', columns: ['alias', 'version', 'name'] };

/** Tags with one value per key, the last one winning (one upsert may not touch a row twice on PostgreSQL). */
function lastPerKey<T extends { key: string; value: string }>(tags: readonly T[]): T[] {
  const last = new Map<string, T>();
  for (const t of tags) last.set(t.key, t);
  return [...last.values()];
}

/** Upserts tag rows (`[key, value, …owner columns]`), split to stay under the dialect's parameter limit. */
async function upsertTagRows(c: SqlExecutor, d: SqlDialect, target: InsertTarget, rows: unknown[][]): Promise<void> {
  const conflict = target.columns.filter((col) => col !== 'value');
  for (const chunk of chunksFor(d, rows, target.columns.length)) {
    const values: unknown[] = [];
    await c.run(d.upsert(target, d.values(chunk, values), conflict, ['value']), values);
  }
}

/**
 * MLflow's SqlAlchemyStore model registry on SQL: stages (with archiving), aliases, tags,
 * soft-deleted versions whose fields are redacted as MLflow redacts them.
 */
export class SqlRegistryStore implements RegistryStore {
  readonly db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  private get d(): SqlDialect {
    return this.db.dialect;
  }

  private async modelRow(c: SqlExecutor | SqlDatabase, name: string, lock = false): Promise<Row> {
    const values: unknown[] = [];
    const r = await rowsOf(
      c,
      `SELECT * FROM registered_models WHERE ${this.d.exactEquals('name', name, values)}${lock ? this.d.forUpdate : ''}`,
      values,
    );
    if (r.length === 0) throw notFound(`Registered Model with name=${name} not found`);
    return r[0]!;
  }

  private async versionRow(c: SqlExecutor | SqlDatabase, name: string, version: string): Promise<Row> {
    const v = versionNumber(version);
    const values: unknown[] = [];
    const byName = this.d.exactEquals('name', name, values);
    values.push(v, DELETED_INTERNAL_STAGE);
    const r = await rowsOf(c, `SELECT * FROM model_versions WHERE ${byName} AND version = ? AND current_stage <> ?`, values);
    if (r.length === 0) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return r[0]!;
  }

  /** The rows of `sql(marks)` for every slice of `names` (`marks` its placeholders), `extra` values after each slice's. */
  private async byNames(names: readonly string[], sql: (marks: string) => string, extra: readonly unknown[] = []): Promise<Row[]> {
    // A search reads every model: slices keep each statement under the dialect's parameter limit.
    const size = Math.max(1, this.d.maxParameters - extra.length);
    const slices: string[][] = [];
    for (let i = 0; i < names.length; i += size) slices.push(names.slice(i, i + size));
    const results = await Promise.all(slices.map((slice) => this.db.query<Row>(sql(placeholders(slice.length)), [...slice, ...extra])));
    return results.flat();
  }

  /** Versions (with tags and aliases) of the given rows, in two queries. */
  private async versionsFrom(versionRows: Row[]): Promise<ModelVersion[]> {
    if (versionRows.length === 0) return [];
    const names = [...new Set(versionRows.map((r) => String(r.name)))];
    const [tags, aliases] = await Promise.all([
      this.byNames(names, (marks) => `SELECT \`key\`, value, name, version FROM model_version_tags WHERE name IN (${marks})`),
      this.byNames(names, (marks) => `SELECT alias, version, name FROM registered_model_aliases WHERE name IN (${marks})`),
    ]);
    // Versions come back as numbers or strings depending on the driver: keyed by their decimal text.
    const k = (n: unknown, v: unknown) => `${String(n)}\u0000${String(num(v))}`;
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
        version: String(num(r.version)),
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
    const [tags, aliases, versionRows] = await Promise.all([
      this.byNames(names, (marks) => `SELECT \`key\`, value, name FROM registered_model_tags WHERE name IN (${marks})`),
      this.byNames(names, (marks) => `SELECT alias, version, name FROM registered_model_aliases WHERE name IN (${marks})`),
      this.byNames(
        names,
        (marks) =>
          `SELECT mv.* FROM model_versions mv JOIN (
           SELECT name, current_stage, MAX(version) AS version FROM model_versions
           WHERE name IN (${marks}) AND current_stage <> ? GROUP BY name, current_stage
         ) latest ON latest.name = mv.name AND latest.version = mv.version`,
        [DELETED_INTERNAL_STAGE],
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
        aliases: aliases.filter((a) => a.name === name).map((a) => ({ alias: String(a.alias), version: String(num(a.version)) })),
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
          await c.run('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)', [
            name,
            now,
            now,
            description ?? null,
          ]);
        } catch (error) {
          // Rethrown as the user's error: the transaction goes no further.
          if (this.db.isDuplicateKey(error)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
          throw error;
        }
        await upsertTagRows(
          c,
          this.d,
          MODEL_TAGS,
          lastPerKey(tags).map((t) => [t.key, t.value, name]),
        );
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
        const values: unknown[] = [description, Date.now()];
        await c.run(
          `UPDATE registered_models SET description = ?, last_updated_time = ? WHERE ${this.d.exactEquals('name', name, values)}`,
          values,
        );
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
        const values: unknown[] = [newName, Date.now()];
        try {
          // ON UPDATE CASCADE moves versions, their tags, model tags and aliases.
          await c.run(
            `UPDATE registered_models SET name = ?, last_updated_time = ? WHERE ${this.d.exactEquals('name', name, values)}`,
            values,
          );
        } catch (error) {
          // Rethrown as the user's error: the transaction goes no further.
          if (this.db.isDuplicateKey(error)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
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
        for (const table of [
          'model_version_tags',
          'model_versions',
          'registered_model_tags',
          'registered_model_aliases',
          'registered_models',
        ]) {
          const values: unknown[] = [];
          await c.run(`DELETE FROM ${table} WHERE ${this.d.exactEquals('name', name, values)}`, values);
        }
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
    return { kind: 'candidates', items: await this.modelsFrom(await this.db.query<Row>('SELECT * FROM registered_models', [])) };
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
        await upsertTagRows(c, this.d, MODEL_TAGS, [[tag.key, tag.value, row.name]]);
      },
      true,
      'setRegisteredModelTag',
    );
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.modelRow(c, name);
        const values: unknown[] = [row.name];
        await c.run(`DELETE FROM registered_model_tags WHERE name = ? AND ${this.d.exactEquals('`key`', key, values)}`, values);
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
        // The model row is locked, so concurrent creators take turns; where a database still lets two
        // read the same MAX (or a lock wait gives up), the clash fails this transaction whole (PostgreSQL
        // aborts it anyway) and the loop runs it again from the start.
        created = await this.db.transaction(
          async (c) => {
            const model = await this.modelRow(c, name, true);
            const [max] = await rowsOf(c, 'SELECT COALESCE(MAX(version), 0) AS v FROM model_versions WHERE name = ?', [model.name]);
            const version = (num(max!.v) ?? 0) + 1;
            const now = Date.now();
            await c.run(
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
            await c.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, model.name]);
            await upsertTagRows(
              c,
              this.d,
              VERSION_TAGS,
              lastPerKey(options.tags ?? []).map((t) => [t.key, t.value, model.name, version]),
            );
            return version;
          },
          false,
          'createModelVersion',
        );
        break;
      } catch (error) {
        const transient = LabbookError.is(error) && error.code === 'TEMPORARILY_UNAVAILABLE';
        if (attempt < 5 && (this.db.isDuplicateKey(error) || transient)) continue;
        throw error;
      }
    }
    return this.getModelVersion(name, String(created));
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await c.run('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
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
          await c.run(
            "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND version <> ? AND current_stage = ?",
            [now, row.name, row.version, target],
          );
        }
        await c.run('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
          target,
          now,
          row.name,
          row.version,
        ]);
        await c.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, row.name]);
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
        await c.run('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?', [row.name, row.version]);
        // MLflow's SQL store keeps the row (version numbers are never reused) but redacts it.
        await c.run(
          "UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, user_id = NULL, source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', status_message = NULL WHERE name = ? AND version = ?",
          [DELETED_INTERNAL_STAGE, now, row.name, row.version],
        );
        await c.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, row.name]);
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
    const versionRows = await this.db.query<Row>('SELECT * FROM model_versions WHERE current_stage <> ?', [DELETED_INTERNAL_STAGE]);
    return { kind: 'candidates', items: await this.versionsFrom(versionRows) };
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        await upsertTagRows(c, this.d, VERSION_TAGS, [[tag.key, tag.value, row.name, row.version]]);
      },
      true,
      'setModelVersionTag',
    );
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        const values: unknown[] = [row.name, row.version];
        await c.run(
          `DELETE FROM model_version_tags WHERE name = ? AND version = ? AND ${this.d.exactEquals('`key`', key, values)}`,
          values,
        );
      },
      true,
      'deleteModelVersionTag',
    );
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.versionRow(c, name, version);
        const values: unknown[] = [];
        await c.run(
          this.d.upsert(ALIASES, this.d.values([[alias, row.version, row.name]], values), ['name', 'alias'], ['version']),
          values,
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
        const values: unknown[] = [model.name];
        await c.run(`DELETE FROM registered_model_aliases WHERE name = ? AND ${this.d.exactEquals('alias', alias, values)}`, values);
      },
      true,
      'deleteRegisteredModelAlias',
    );
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const model = await this.modelRow(this.db, name);
    const values: unknown[] = [model.name];
    const r = await this.db.query<Row>(
      `SELECT version FROM registered_model_aliases WHERE name = ? AND ${this.d.exactEquals('alias', alias, values)}`,
      values,
    );
    if (r.length === 0) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(String(model.name), String(num(r[0]!.version)));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
