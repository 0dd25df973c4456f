import type { ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import type { PagedList } from '../entities/tracking.js';
import type { CreateModelVersionOptions, RegistryStore } from '../interfaces/registry-store.js';
import type { ModelVersionsQuery, RegisteredModelsQuery, SearchAnswer, SearchQuery } from '../search/query.js';
import { RestClient, type RestClientOptions } from './http-client.js';
import { paged } from './rest-tracking-store.js';
import { modelVersionFromWire, registeredModelFromWire } from './wire.js';

/** Options of a {@link RestRegistryStore}. */
export type RestRegistryStoreOptions = RestClientOptions;

type Obj = Record<string, unknown>;
const RM = '/api/2.0/mlflow/registered-models';
const MV = '/api/2.0/mlflow/model-versions';

/** A RegistryStore that talks to an MLflow-compatible server over its REST API. */
export class RestRegistryStore implements RegistryStore {
  readonly client: RestClient;

  constructor(uri: string, options: RestRegistryStoreOptions = {}) {
    this.client = new RestClient(uri, options);
  }

  private async model(method: 'POST' | 'PATCH', path: string, body: Obj, idem = false): Promise<RegisteredModel> {
    const r = await this.client.send<Obj>(method, path, body, idem);
    return registeredModelFromWire(r.registered_model as Obj);
  }

  private async version(method: 'POST' | 'PATCH', path: string, body: Obj, idem = false): Promise<ModelVersion> {
    const r = await this.client.send<Obj>(method, path, body, idem);
    return modelVersionFromWire(r.model_version as Obj);
  }

  createRegisteredModel(name: string, tags?: RegisteredModelTag[], description?: string): Promise<RegisteredModel> {
    return this.model('POST', `${RM}/create`, { name, tags, description });
  }

  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return this.model('PATCH', `${RM}/update`, { name, description }, true);
  }

  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.model('POST', `${RM}/rename`, { name, new_name: newName });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.client.send('DELETE', `${RM}/delete`, { name });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const r = await this.client.get<Obj>(`${RM}/get`, { name });
    return registeredModelFromWire(r.registered_model as Obj);
  }

  async searchRegisteredModels(q: RegisteredModelsQuery): Promise<SearchAnswer<RegisteredModel>> {
    const r = await this.client.get<Obj>(`${RM}/search`, searchParams(q));
    return { kind: 'page', page: paged(r, ((r.registered_models as Obj[]) ?? []).map(registeredModelFromWire)) };
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const r = await this.client.send<Obj>('POST', `${RM}/get-latest-versions`, { name, stages }, true);
    return ((r.model_versions as Obj[]) ?? []).map(modelVersionFromWire);
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    await this.client.send('POST', `${RM}/set-tag`, { name, key: tag.key, value: tag.value }, true);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.client.send('DELETE', `${RM}/delete-tag`, { name, key });
  }

  createModelVersion(o: CreateModelVersionOptions): Promise<ModelVersion> {
    return this.version('POST', `${MV}/create`, {
      name: o.name,
      source: o.source,
      run_id: o.runId,
      tags: o.tags,
      run_link: o.runLink,
      description: o.description,
      model_id: o.modelId,
    });
  }

  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return this.version('PATCH', `${MV}/update`, { name, version, description }, true);
  }

  transitionModelVersionStage(name: string, version: string, stage: string, archive: boolean): Promise<ModelVersion> {
    return this.version('POST', `${MV}/transition-stage`, {
      name,
      version,
      stage,
      archive_existing_versions: archive,
    });
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.client.send('DELETE', `${MV}/delete`, { name, version });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.client.get<Obj>(`${MV}/get`, { name, version });
    return modelVersionFromWire(r.model_version as Obj);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const r = await this.client.get<Obj>(`${MV}/get-download-uri`, { name, version });
    return String(r.artifact_uri ?? '');
  }

  async searchModelVersions(q: ModelVersionsQuery): Promise<SearchAnswer<ModelVersion>> {
    const r = await this.client.get<Obj>(`${MV}/search`, searchParams(q));
    return { kind: 'page', page: paged(r, ((r.model_versions as Obj[]) ?? []).map(modelVersionFromWire)) };
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    await this.client.send('POST', `${MV}/set-tag`, { name, version, key: tag.key, value: tag.value }, true);
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.client.send('DELETE', `${MV}/delete-tag`, { name, version, key });
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.client.send('POST', `${RM}/alias`, { name, alias, version }, true);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.client.send('DELETE', `${RM}/alias`, { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.client.get<Obj>(`${RM}/alias`, { name, alias });
    return modelVersionFromWire(r.model_version as Obj);
  }
}

// The server answers searches: the query travels as the text it was parsed from.
function searchParams(q: SearchQuery<unknown>): Record<string, unknown> {
  const o = q.source;
  return { filter: o.filter, max_results: o.maxResults, order_by: o.orderBy, page_token: o.pageToken };
}
