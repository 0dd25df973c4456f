/** The MLflow wire shapes the UI reads (snake_case, empty lists omitted by the server). */

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: string;
}

/** A metric value as the server writes it: NaN and infinities arrive as strings. */
export type WireNumber = number | string;

export interface Metric {
  key: string;
  value: WireNumber;
  timestamp: number;
  step?: number;
  /** MLflow 3: the logged model the value was measured on, and on which dataset. */
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
  run_id?: string;
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
}

export interface FileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: KeyValue[];
  aliases?: string[];
  /** MLflow 3: the logged model the version was created from (its source is then `models:/<model_id>`). */
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

/** `GET ajax-api/2.0/labbook/metrics/downsampled`. */
export interface DownsampledHistory {
  run_id: string;
  metric_key: string;
  x_axis: 'step' | 'timestamp';
  total_points: number;
  x: number[];
  min: WireNumber[];
  max: WireNumber[];
  last: WireNumber[];
}

/** MLflow 3's `LoggedModelInfo`: the status arrives as the enum's name. */
export interface LoggedModelInfo {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_uri?: string;
  creation_timestamp_ms?: number;
  last_updated_timestamp_ms?: number;
  model_type?: string;
  source_run_id?: string;
  status?: string;
  status_message?: string;
  tags?: KeyValue[];
}

/** An MLflow 3 logged model: `{info, data: {params, metrics}}`. */
export interface LoggedModel {
  info: LoggedModelInfo;
  data?: { params?: KeyValue[]; metrics?: Metric[] };
}

/** One `order_by` entry of `logged-models/search`. */
export interface LoggedModelOrder {
  field_name: string;
  ascending: boolean;
}
