/** The run page's System metrics tab: one chart per `system/*` metric (CPU, memory, disk, network, GPU). */
import type { Theme } from '../theme';
import { MetricChart } from './MetricChart';

/** Metric keys MLflow's system-metrics monitor writes (`system/…`, with a node id for multi-node jobs). */
export function systemMetricKeys(keys: string[]): string[] {
  return keys.filter((k) => k.startsWith('system/')).sort();
}

/**
 * Charts every `system/*` metric of a run against its step (the monitor logs one step per sampling
 * window, so the step axis is time at the sampling interval).
 */
export function SystemMetricsTab({ runId, keys, theme, refresh }: { runId: string; keys: string[]; theme: Theme; refresh?: number }) {
  const system = systemMetricKeys(keys);
  if (system.length === 0) {
    return (
      <p class="muted">
        This run logged no system metrics. Start runs with <code>startRun(&#123; logSystemMetrics: true &#125;)</code> or set{' '}
        <code>MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING=true</code>.
      </p>
    );
  }
  return (
    <div class="chart-grid">
      {system.map((key, i) => (
        <MetricChart
          key={key}
          runId={runId}
          metricKey={key}
          axis="step"
          theme={theme}
          color={i}
          {...(refresh !== undefined ? { refresh } : {})}
        />
      ))}
    </div>
  );
}
