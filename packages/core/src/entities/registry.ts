import type { ModelVersionStatus } from './enums.js';

/** A key/value pair attached to a registered model. */
export interface RegisteredModelTag {
  key: string;
  value: string;
}

/** A key/value pair attached to a model version. */
export interface ModelVersionTag {
  key: string;
  value: string;
}

/** A named pointer from an alias to one version of a model. */
export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

/** A version of a registered model. `version` is a string of digits, as in MLflow's API. */
export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  /** `None`, `Staging`, `Production` or `Archived`. */
  currentStage: string;
  description?: string;
  source: string;
  runId?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: ModelVersionTag[];
  runLink?: string;
  aliases: string[];
  /** The logged model (MLflow 3) the version was created from: `source` is then `models:/<modelId>`. */
  modelId?: string;
}

/** A model in the registry, with the latest version of each stage. */
export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  latestVersions: ModelVersion[];
  tags: RegisteredModelTag[];
  aliases: RegisteredModelAlias[];
}
