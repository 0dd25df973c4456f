import type { Metric } from '../entities/tracking.js';
import { defaultCollectors, type SystemMetricsCollector } from './collectors.js';
import { resolveSystemMetricsSettings, type SystemMetricsSettings } from './config.js';

/** Sends one batch of system metrics of the monitored run. */
export type SystemMetricsSender = (metrics: Metric[]) => Promise<void>;

/** Options of a {@link SystemMetricsMonitor}. */
export interface SystemMetricsMonitorOptions extends Partial<SystemMetricsSettings> {
  /** First step to log at (MLflow continues after the last `system/` step when a run resumes). */
  initialStep?: number;
  /** Sources of readings; default CPU/memory, disk, network and GPU. */
  collectors?: SystemMetricsCollector[];
  /** Called with a logging failure; default: one process warning per monitor. */
  onError?: (error: unknown) => void;
}

/** The metric key MLflow uses: `system/` + (`<node id>/`) + name. */
export function systemMetricKey(name: string, nodeId?: string): string {
  return nodeId ? `system/${nodeId}/${name}` : `system/${name}`;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Samples system metrics on a timer and logs them to one run, as MLflow's `SystemMetricsMonitor`
 * thread does: every `samplingIntervalSeconds` a sample, every `samplesBeforeLogging` samples one
 * batch of aggregated points at the next step. The timer is unref'd so a forgotten monitor never keeps
 * the process alive, and a sample still running when the next tick comes is not doubled up.
 */
export class SystemMetricsMonitor {
  readonly settings: SystemMetricsSettings;
  private readonly send: SystemMetricsSender;
  private readonly collectors: SystemMetricsCollector[];
  private readonly onError: (error: unknown) => void;
  private step: number;
  private samples: Array<Map<SystemMetricsCollector, Record<string, number>>> = [];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(send: SystemMetricsSender, options: SystemMetricsMonitorOptions = {}) {
    this.settings = resolveSystemMetricsSettings(options);
    this.send = send;
    this.collectors = options.collectors ?? defaultCollectors();
    this.step = options.initialStep ?? 0;
    let warned = false;
    this.onError =
      options.onError ??
      ((error) => {
        if (warned) return;
        warned = true;
        process.emitWarning(`[labbook] system metrics could not be logged: ${(error as Error)?.message ?? String(error)}`, {
          code: 'LABBOOK_SYSTEM_METRICS_FAILED',
        });
      });
  }

  /** The step the next logged batch gets. */
  get nextStep(): number {
    return this.step;
  }

  /** Starts sampling. The first sample is taken one interval from now (CPU needs a time window). */
  start(): this {
    if (this.timer || this.stopped) return this;
    // CPU and network collectors take their baseline when created, so the first sample covers one interval.
    this.timer = setInterval(() => this.tick(), this.settings.samplingIntervalSeconds * 1000);
    this.timer.unref();
    return this;
  }

  private tick(): void {
    if (this.busy || this.stopped) return;
    this.busy = this.sampleAndMaybeLog()
      .catch((error) => this.onError(error))
      .finally(() => {
        this.busy = undefined;
      });
  }

  private async sampleAndMaybeLog(): Promise<void> {
    const reading = new Map<SystemMetricsCollector, Record<string, number>>();
    await Promise.all(
      this.collectors.map(async (c) => {
        try {
          reading.set(c, await c.sample());
        } catch {
          // One failing source (a vanished mount, say) must not stop the others.
        }
      }),
    );
    if (this.stopped) return;
    this.samples.push(reading);
    if (this.samples.length >= this.settings.samplesBeforeLogging) await this.logAggregated();
  }

  private async logAggregated(): Promise<void> {
    const samples = this.samples;
    this.samples = [];
    const timestamp = Date.now();
    const step = this.step++;
    const metrics: Metric[] = [];
    for (const c of this.collectors) {
      const values = new Map<string, number[]>();
      for (const s of samples) {
        for (const [name, v] of Object.entries(s.get(c) ?? {})) {
          if (!Number.isFinite(v)) continue;
          const list = values.get(name);
          if (list) list.push(v);
          else values.set(name, [v]);
        }
      }
      for (const [name, list] of values) {
        const value = c.aggregate === 'latest' ? list[list.length - 1]! : list.reduce((a, b) => a + b, 0) / list.length;
        metrics.push({ key: systemMetricKey(name, this.settings.nodeId), value: round1(value), timestamp, step });
      }
    }
    if (metrics.length > 0) await this.send(metrics);
  }

  /**
   * Stops sampling and waits for a log in flight, so nothing is written to the run after it ends.
   * Samples not yet aggregated are dropped, as MLflow's monitor does on `finish()`.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }
}
