/**
 * JSON mapping between labbook's camelCase entities and MLflow's snake_case wire format. Shared by the
 * REST stores here and by `@labbook/server`, so both ends agree on one spelling.
 */
import { type LoggedModel, type LoggedModelStatus, parseLoggedModelStatus } from '../entities/logged-model.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, Metric, Run } from '../entities/tracking.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A number as MLflow's JSON writes it: NaN and ±Infinity become strings. */
export function numberToWire(n: number): number | string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return n;
}

/** A number read from MLflow's JSON, which may be a string (int64s, NaN, Infinity). */
export function numberFromWire(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    // Protobuf's names, and Python float()'s spellings (inf, -Infinity, nan in any case), which
    // MLflow's server accepts too.
    const special = /^\s*([+-]?)(inf|infinity|nan)\s*$/i.exec(v);
    if (special) {
      if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
      return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    return Number(v);
  }
  return Number.NaN;
}

/**
 * Converts an entity (or any camelCase object) to MLflow's wire JSON: snake_case keys, undefined and
 * empty arrays omitted (as protobuf's JSON printer does), non-finite numbers as strings.
 */
export function toWire(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'number') return numberToWire(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toWire(v) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      const w = toWire(v);
      if (w !== undefined) out[snake(k)] = w;
    }
    return out;
  }
  return undefined;
}

/** Converts wire JSON to camelCase keys, leaving values as they are. */
export function fromWire<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => fromWire(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[camel(k)] = fromWire(v);
    return out as T;
  }
  return value as T;
}

function optNumber(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : numberFromWire(v);
}

/** A metric point from wire JSON. */
export function metricFromWire(w: Record<string, unknown>): Metric {
  const m = fromWire<Record<string, unknown>>(w);
  const out: Metric = {
    key: String(m.key ?? ''),
    value: numberFromWire(m.value),
    timestamp: numberFromWire(m.timestamp ?? 0),
    step: numberFromWire(m.step ?? 0),
  };
  for (const k of ['runId', 'datasetName', 'datasetDigest', 'modelId'] as const) if (typeof m[k] === 'string') out[k] = m[k] as string;
  return out;
}

/** An experiment from wire JSON. */
export function experimentFromWire(w: Record<string, unknown>): Experiment {
  const e = fromWire<Record<string, unknown>>(w);
  const out: Experiment = {
    experimentId: String(e.experimentId),
    name: String(e.name ?? ''),
    artifactLocation: String(e.artifactLocation ?? ''),
    lifecycleStage: (e.lifecycleStage as Experiment['lifecycleStage']) ?? 'active',
    tags: (e.tags as Experiment['tags']) ?? [],
  };
  const ct = optNumber(e.creationTime);
  const ut = optNumber(e.lastUpdateTime);
  if (ct !== undefined) out.creationTime = ct;
  if (ut !== undefined) out.lastUpdateTime = ut;
  return out;
}

/** A run from wire JSON, with every list present. */
export function runFromWire(w: Record<string, unknown>): Run {
  const info = fromWire<Record<string, unknown>>(w.info ?? {});
  const data = (w.data ?? {}) as Record<string, unknown>;
  const inputs = fromWire<Record<string, unknown>>(w.inputs ?? {});
  const runId = String(info.runId ?? info.runUuid ?? '');
  const run: Run = {
    info: {
      runId,
      runUuid: String(info.runUuid ?? runId),
      runName: String(info.runName ?? ''),
      experimentId: String(info.experimentId ?? ''),
      userId: String(info.userId ?? ''),
      status: (info.status as Run['info']['status']) ?? 'RUNNING',
      artifactUri: String(info.artifactUri ?? ''),
      lifecycleStage: (info.lifecycleStage as Run['info']['lifecycleStage']) ?? 'active',
    },
    data: {
      metrics: ((data.metrics as Record<string, unknown>[]) ?? []).map(metricFromWire),
      params: fromWire((data.params as unknown[]) ?? []),
      tags: fromWire((data.tags as unknown[]) ?? []),
    },
    inputs: {
      datasetInputs: ((inputs.datasetInputs as Run['inputs']['datasetInputs']) ?? []).map((d) => ({
        tags: d.tags ?? [],
        dataset: d.dataset,
      })),
    },
  };
  const outputs = fromWire<{ modelOutputs?: { modelId?: unknown; step?: unknown }[] }>(w.outputs ?? {});
  if (outputs.modelOutputs?.length) {
    run.outputs = { modelOutputs: outputs.modelOutputs.map((o) => ({ modelId: String(o.modelId ?? ''), step: optNumber(o.step) ?? 0 })) };
  }
  const st = optNumber(info.startTime);
  const et = optNumber(info.endTime);
  if (st !== undefined) run.info.startTime = st;
  if (et !== undefined) run.info.endTime = et;
  return run;
}

/** A model version from wire JSON. */
export function modelVersionFromWire(w: Record<string, unknown>): ModelVersion {
  const v = fromWire<Record<string, unknown>>(w);
  const out = {
    ...v,
    version: String(v.version),
    creationTimestamp: numberFromWire(v.creationTimestamp ?? 0),
    lastUpdatedTimestamp: numberFromWire(v.lastUpdatedTimestamp ?? 0),
    currentStage: String(v.currentStage ?? 'None'),
    source: String(v.source ?? ''),
    status: (v.status as ModelVersion['status']) ?? 'READY',
    tags: (v.tags as ModelVersion['tags']) ?? [],
    aliases: (v.aliases as string[]) ?? [],
  } as ModelVersion;
  return out;
}

/** A registered model from wire JSON. */
export function registeredModelFromWire(w: Record<string, unknown>): RegisteredModel {
  const m = fromWire<Record<string, unknown>>(w);
  const out: RegisteredModel = {
    name: String(m.name),
    creationTimestamp: numberFromWire(m.creationTimestamp ?? 0),
    lastUpdatedTimestamp: numberFromWire(m.lastUpdatedTimestamp ?? 0),
    latestVersions: ((w.latest_versions as Record<string, unknown>[]) ?? []).map(modelVersionFromWire),
    tags: (m.tags as RegisteredModel['tags']) ?? [],
    aliases: ((m.aliases as RegisteredModel['aliases']) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
  if (typeof m.description === 'string') out.description = m.description;
  return out;
}

/** A logged model from wire JSON (`{ info, data }`), with every list present. */
export function loggedModelFromWire(w: Record<string, unknown>): LoggedModel {
  const info = fromWire<Record<string, unknown>>(w.info ?? {});
  const data = (w.data ?? {}) as Record<string, unknown>;
  const model: LoggedModel = {
    info: {
      modelId: String(info.modelId ?? ''),
      experimentId: String(info.experimentId ?? ''),
      name: String(info.name ?? ''),
      artifactUri: String(info.artifactUri ?? ''),
      creationTimestampMs: optNumber(info.creationTimestampMs) ?? 0,
      lastUpdatedTimestampMs: optNumber(info.lastUpdatedTimestampMs) ?? 0,
      status: (parseLoggedModelStatus(info.status) ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED') as LoggedModelStatus,
      tags: fromWire((info.tags as unknown[]) ?? []),
    },
    data: {
      params: fromWire((data.params as unknown[]) ?? []),
      metrics: ((data.metrics as Record<string, unknown>[]) ?? []).map(metricFromWire),
    },
  };
  for (const k of ['modelType', 'sourceRunId', 'statusMessage'] as const) {
    if (typeof info[k] === 'string' && info[k] !== '') model.info[k] = info[k] as string;
  }
  return model;
}
