import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Metric } from '../src/entities/tracking.js';
import { LabbookError } from '../src/errors.js';
import { parseNvidiaSmi, readNetDev, type SystemMetricsCollector } from '../src/system-metrics/collectors.js';
import {
  disableSystemMetricsLogging,
  enableSystemMetricsLogging,
  resetSystemMetricsSettings,
  resolveSystemMetricsSettings,
  setSystemMetricsSamplingInterval,
  systemMetricsEnabled,
} from '../src/system-metrics/config.js';
import { SystemMetricsMonitor, systemMetricKey } from '../src/system-metrics/system-metrics-monitor.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENV = [
  'MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING',
  'MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL',
  'MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING',
  'MLFLOW_SYSTEM_METRICS_NODE_ID',
];
afterEach(() => {
  for (const k of ENV) delete process.env[k];
  resetSystemMetricsSettings();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('system metrics settings', () => {
  it('follows MLflow env vars and the enable/disable switches', () => {
    expect(systemMetricsEnabled()).toBe(false);
    process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = 'true';
    expect(systemMetricsEnabled()).toBe(true);
    disableSystemMetricsLogging();
    expect(systemMetricsEnabled()).toBe(false);
    enableSystemMetricsLogging();
    expect(systemMetricsEnabled()).toBe(true);
    process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0.5';
    process.env.MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING = '3';
    process.env.MLFLOW_SYSTEM_METRICS_NODE_ID = 'node-1';
    expect(resolveSystemMetricsSettings()).toEqual({ samplingIntervalSeconds: 0.5, samplesBeforeLogging: 3, nodeId: 'node-1' });
  });

  it('warns once for bad env values and uses the defaults', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = 'abc';
      process.env.MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING = '0';
      expect(resolveSystemMetricsSettings()).toEqual({ samplingIntervalSeconds: 10, samplesBeforeLogging: 1 });
      expect(resolveSystemMetricsSettings()).toEqual({ samplingIntervalSeconds: 10, samplesBeforeLogging: 1 });
      expect(warn).toHaveBeenCalledTimes(2);
      process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0';
      expect(resolveSystemMetricsSettings().samplingIntervalSeconds).toBe(10);
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects bad values set in code with a typed error', () => {
    for (const bad of [0, -1, Number.NaN, 'abc' as unknown as number]) {
      try {
        setSystemMetricsSamplingInterval(bad);
        expect.unreachable();
      } catch (e) {
        expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
      }
    }
    expect(() => new SystemMetricsMonitor(async () => undefined, { samplingIntervalSeconds: 0 })).toThrow(/positive number/);
  });
});

describe('SystemMetricsMonitor', () => {
  function fake(): SystemMetricsCollector {
    let n = 0;
    return { name: 'fake', aggregate: 'mean', sample: async () => ({ cpu_utilization_percentage: ++n }) };
  }

  it('logs at the configured interval with growing steps, and stops', async () => {
    const batches: Metric[][] = [];
    const m = new SystemMetricsMonitor(async (ms) => void batches.push(ms), { samplingIntervalSeconds: 0.1, collectors: [fake()] }).start();
    await sleep(560);
    await m.stop();
    const count = batches.length;
    // 5 ticks in 560 ms at 100 ms; timers may run late under load, never early.
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(5);
    expect(batches.map((b) => b[0]!.step)).toEqual([...Array(count).keys()]);
    expect(batches[0]![0]!.key).toBe('system/cpu_utilization_percentage');
    await sleep(250);
    expect(batches.length).toBe(count);
  });

  it('averages samples before logging, rounds to 1 decimal, and prefixes the node id', async () => {
    const batches: Metric[][] = [];
    const m = new SystemMetricsMonitor(async (ms) => void batches.push(ms), {
      samplingIntervalSeconds: 0.05,
      samplesBeforeLogging: 3,
      nodeId: 'worker-2',
      collectors: [fake()],
    }).start();
    while (batches.length < 2) await sleep(20);
    await m.stop();
    expect(batches[0]).toEqual([expect.objectContaining({ key: 'system/worker-2/cpu_utilization_percentage', value: 2, step: 0 })]);
    expect(batches[1]![0]).toMatchObject({ value: 5, step: 1 });
    expect(systemMetricKey('x')).toBe('system/x');
  });

  it('does not keep the process alive (the timer is unref’d)', async () => {
    const m = new SystemMetricsMonitor(async () => undefined, { samplingIntervalSeconds: 60, collectors: [fake()] }).start();
    const timer = (m as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    await m.stop();
  });

  it('samples the real machine with MLflow names', async () => {
    const batches: Metric[][] = [];
    const m = new SystemMetricsMonitor(async (ms) => void batches.push(ms), { samplingIntervalSeconds: 0.1 }).start();
    while (batches.length < 1) await sleep(20);
    await m.stop();
    const keys = batches[0]!.map((x) => x.key);
    for (const k of [
      'cpu_utilization_percentage',
      'system_memory_usage_megabytes',
      'system_memory_usage_percentage',
      'disk_usage_percentage',
      'disk_usage_megabytes',
      'disk_available_megabytes',
    ]) {
      expect(keys).toContain(`system/${k}`);
    }
    if (process.platform === 'linux') expect(keys).toContain('system/network_receive_megabytes');
  });
});

describe('collectors', () => {
  it('parses nvidia-smi CSV into MLflow GPU names', () => {
    expect(parseNvidiaSmi('0, 1024, 16384, 37, 70.5, 300.00\n1, 0, 16384, 0, [N/A], [N/A]\n')).toEqual({
      gpu_0_memory_usage_megabytes: 1073.741824,
      gpu_0_memory_usage_percentage: 6.25,
      gpu_0_utilization_percentage: 37,
      gpu_0_power_usage_watts: 70.5,
      gpu_0_power_usage_percentage: 23.5,
      gpu_1_memory_usage_megabytes: 0,
      gpu_1_memory_usage_percentage: 0,
      gpu_1_utilization_percentage: 0,
    });
  });

  it('sums /proc/net/dev over interfaces', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netdev-')), 'dev');
    writeFileSync(
      file,
      'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n  eth0: 2000000 20 0 0 0 0 0 0 3000000 30 0 0 0 0 0 0\n',
    );
    expect(await readNetDev(file)).toEqual({ rx: 2001000, tx: 3001000 });
    expect(await readNetDev(join(file, 'missing'))).toBeNull();
  });
});
