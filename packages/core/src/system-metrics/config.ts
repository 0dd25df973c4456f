import { invalidParameter } from '../errors.js';

/** MLflow's environment variables for system metrics, read when a run starts. */
export const SYSTEM_METRICS_ENV = {
  enable: 'MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING',
  samplingInterval: 'MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL',
  samplesBeforeLogging: 'MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING',
  nodeId: 'MLFLOW_SYSTEM_METRICS_NODE_ID',
} as const;

/** MLflow's defaults: one sample every 10 s, logged as soon as it is taken. */
export const DEFAULT_SAMPLING_INTERVAL_SECONDS = 10;
export const DEFAULT_SAMPLES_BEFORE_LOGGING = 1;

/** How a system-metrics monitor samples and logs, after defaults and environment are applied. */
export interface SystemMetricsSettings {
  /** Seconds between two samples (MLflow's unit; fractions allowed). */
  samplingIntervalSeconds: number;
  /** Samples averaged into one logged point. */
  samplesBeforeLogging: number;
  /** Inserted after `system/` so the nodes of a multi-node job do not overwrite each other. */
  nodeId?: string;
}

// Values set in code win over the environment, as MLflow's setters write the env var they shadow.
const overrides: Partial<SystemMetricsSettings> & { enabled?: boolean } = {};
const warned = new Set<string>();

function warnOnce(variable: string, raw: string, fallback: number): void {
  if (warned.has(variable)) return;
  warned.add(variable);
  process.emitWarning(`[labbook] ignoring ${variable}=${JSON.stringify(raw)}: expected a positive number; using ${fallback}.`, {
    code: 'LABBOOK_BAD_SYSTEM_METRICS_SETTING',
  });
}

function checkInterval(seconds: number): void {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw invalidParameter(`System metrics sampling interval must be a positive number of seconds, got ${JSON.stringify(seconds)}.`, {
      field: 'sampling_interval',
    });
  }
}

function checkSamples(samples: number): void {
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1) {
    throw invalidParameter(`System metrics samples before logging must be a positive integer, got ${JSON.stringify(samples)}.`, {
      field: 'samples_before_logging',
    });
  }
}

/** Turns system metrics on for runs started after this (unless `startRun` says otherwise). */
export function enableSystemMetricsLogging(): void {
  overrides.enabled = true;
}

/** Turns system metrics off for runs started after this (unless `startRun` says otherwise). */
export function disableSystemMetricsLogging(): void {
  overrides.enabled = false;
}

/**
 * Seconds between two samples (MLflow's `set_system_metrics_sampling_interval`); `null` returns to
 * the environment or default. A non-positive or non-numeric value is an `INVALID_PARAMETER_VALUE` error.
 */
export function setSystemMetricsSamplingInterval(seconds: number | null): void {
  if (seconds === null) {
    delete overrides.samplingIntervalSeconds;
    return;
  }
  checkInterval(seconds);
  overrides.samplingIntervalSeconds = seconds;
}

/** Samples averaged into one logged point (MLflow's `set_system_metrics_samples_before_logging`). */
export function setSystemMetricsSamplesBeforeLogging(samples: number | null): void {
  if (samples === null) {
    delete overrides.samplesBeforeLogging;
    return;
  }
  checkSamples(samples);
  overrides.samplesBeforeLogging = samples;
}

/** Node id of this process in a multi-node job (MLflow's `set_system_metrics_node_id`). */
export function setSystemMetricsNodeId(nodeId: string | null): void {
  if (nodeId === null) delete overrides.nodeId;
  else overrides.nodeId = nodeId;
}

/** Whether a run started without an explicit `logSystemMetrics` should log system metrics. */
export function systemMetricsEnabled(): boolean {
  if (overrides.enabled !== undefined) return overrides.enabled;
  const raw = process.env[SYSTEM_METRICS_ENV.enable];
  return raw !== undefined && ['true', '1'].includes(raw.trim().toLowerCase());
}

/**
 * The settings in force: code overrides, then MLflow's environment variables, then defaults. A bad
 * environment value is reported once as a process warning and the default is used: a typo in a
 * job's environment should not fail the training it observes.
 */
export function resolveSystemMetricsSettings(extra: Partial<SystemMetricsSettings> = {}): SystemMetricsSettings {
  if (extra.samplingIntervalSeconds !== undefined) checkInterval(extra.samplingIntervalSeconds);
  if (extra.samplesBeforeLogging !== undefined) checkSamples(extra.samplesBeforeLogging);
  let interval = extra.samplingIntervalSeconds ?? overrides.samplingIntervalSeconds;
  if (interval === undefined) {
    const raw = process.env[SYSTEM_METRICS_ENV.samplingInterval];
    interval = DEFAULT_SAMPLING_INTERVAL_SECONDS;
    if (raw !== undefined && raw.trim() !== '') {
      const n = Number(raw);
      if (Number.isFinite(n) && n > 0) interval = n;
      else warnOnce(SYSTEM_METRICS_ENV.samplingInterval, raw, DEFAULT_SAMPLING_INTERVAL_SECONDS);
    }
  }
  let samples = extra.samplesBeforeLogging ?? overrides.samplesBeforeLogging;
  if (samples === undefined) {
    const raw = process.env[SYSTEM_METRICS_ENV.samplesBeforeLogging];
    samples = DEFAULT_SAMPLES_BEFORE_LOGGING;
    if (raw !== undefined && raw.trim() !== '') {
      const n = Number(raw);
      if (Number.isInteger(n) && n >= 1) samples = n;
      else warnOnce(SYSTEM_METRICS_ENV.samplesBeforeLogging, raw, DEFAULT_SAMPLES_BEFORE_LOGGING);
    }
  }
  const nodeId = extra.nodeId ?? overrides.nodeId ?? (process.env[SYSTEM_METRICS_ENV.nodeId] || undefined);
  return { samplingIntervalSeconds: interval, samplesBeforeLogging: samples, ...(nodeId ? { nodeId } : {}) };
}

/** Forgets values set in code and warnings already given (for tests). */
export function resetSystemMetricsSettings(): void {
  for (const k of Object.keys(overrides)) delete (overrides as Record<string, unknown>)[k];
  warned.clear();
}
