import type { Run } from '../entities/tracking.js';
import type { Metric } from '../entities/tracking.js';
import { systemMetricsEnabled } from './config.js';
import { SystemMetricsMonitor, type SystemMetricsMonitorOptions } from './system-metrics-monitor.js';

const monitors = new Map<string, SystemMetricsMonitor>();

/** Where a resumed run's system metrics continue: after the last step of a `system/` metric. */
export function resumeStep(run: Run): number {
  const first = run.data.metrics.find((m) => m.key.startsWith('system/'));
  return first ? first.step + 1 : 0;
}

/**
 * Starts the monitor of a run when `logSystemMetrics` (or, when it is undefined, the global switch)
 * says so. One monitor per run id: resuming a run that is already monitored keeps the one running.
 */
export function startRunMonitor(
  run: Run,
  logSystemMetrics: boolean | undefined,
  send: (runId: string, metrics: Metric[]) => Promise<void>,
  options: SystemMetricsMonitorOptions = {},
): SystemMetricsMonitor | undefined {
  if (!(logSystemMetrics ?? systemMetricsEnabled())) return undefined;
  const runId = run.info.runId;
  const existing = monitors.get(runId);
  if (existing) return existing;
  const monitor = new SystemMetricsMonitor((metrics) => send(runId, metrics), { initialStep: resumeStep(run), ...options });
  monitors.set(runId, monitor.start());
  return monitor;
}

/** Stops the monitor of a run, if it has one, and waits for its last log. */
export async function stopRunMonitor(runId: string): Promise<void> {
  const monitor = monitors.get(runId);
  if (!monitor) return;
  monitors.delete(runId);
  await monitor.stop();
}

/** The monitor of a run, if it has one. */
export function runMonitor(runId: string): SystemMetricsMonitor | undefined {
  return monitors.get(runId);
}
