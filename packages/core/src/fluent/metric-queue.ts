import type { Metric } from '../entities/tracking.js';
import { LabbookError } from '../errors.js';
import { LIMITS } from '../validation/limits.js';

/** Sends one batch of metrics of one run (the client's `logBatch`). */
export type MetricSender = (runId: string, metrics: Metric[]) => Promise<void>;

/** Options of a {@link MetricQueue}. */
export interface MetricQueueOptions {
  /** Most points per request (default and maximum: MLflow's 1000). */
  batchSize?: number;
  /** How long a point may wait before it is sent, in ms (default 200). */
  lingerMs?: number;
}

interface RunQueue {
  runId: Promise<string>;
  pending: Metric[];
  /** The send in flight, chained so a run's batches arrive in order. */
  tail: Promise<void>;
}

/**
 * Queues metric points per run and sends them in batches, so the caller of `logMetric` never waits
 * for the store. Batches are bounded by size and by time; `flush()` waits for everything queued so
 * far. A failed send is kept and rethrown by the next `flush()`, and reported as a process warning
 * if nobody flushes before the process ends: failures are never dropped silently.
 */
export class MetricQueue {
  private readonly queues = new Map<unknown, RunQueue>();
  private readonly send: MetricSender;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private timer: NodeJS.Timeout | undefined;
  private failures: unknown[] = [];
  private sending = 0;

  constructor(send: MetricSender, options: MetricQueueOptions = {}) {
    this.send = send;
    this.batchSize = Math.min(options.batchSize ?? LIMITS.batchMetrics, LIMITS.batchMetrics);
    this.lingerMs = options.lingerMs ?? 200;
  }

  /** Number of points not yet handed to the store. */
  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.pending.length;
    return n;
  }

  /** Points queued or handed to the store and not yet acknowledged by it: lost if the process ends now. */
  get unsettled(): number {
    return this.size + this.sending;
  }

  /** Queues one point for the run identified by `key` (whose id may still be resolving). */
  push(key: unknown, runId: Promise<string>, metric: Metric): void {
    let q = this.queues.get(key);
    if (!q) {
      q = { runId, pending: [], tail: Promise.resolve() };
      this.queues.set(key, q);
    }
    q.pending.push(metric);
    if (q.pending.length >= this.batchSize) this.drain(q);
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        for (const queue of this.queues.values()) this.drain(queue);
      }, this.lingerMs);
      this.timer.unref();
    }
  }

  private drain(q: RunQueue): void {
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0, this.batchSize);
      this.sending += batch.length;
      q.tail = q.tail.then(async () => {
        try {
          await this.send(await q.runId, batch);
        } catch (error) {
          this.failures.push(error);
        } finally {
          this.sending -= batch.length;
        }
      });
    }
  }

  /** Sends everything queued for one run (or all runs) and waits; rethrows failures since the last flush. */
  async flush(key?: unknown): Promise<void> {
    const targets = key === undefined ? [...this.queues.values()] : [this.queues.get(key)].filter((q) => q !== undefined);
    for (const q of targets) this.drain(q);
    await Promise.all(targets.map((q) => q.tail));
    if (key !== undefined) this.queues.delete(key);
    this.throwFailures();
  }

  /** Failures not yet reported, cleared. */
  takeFailures(): unknown[] {
    const f = this.failures;
    this.failures = [];
    return f;
  }

  private throwFailures(): void {
    const failures = this.takeFailures();
    if (failures.length === 0) return;
    if (failures.length === 1) throw failures[0];
    const first = failures[0];
    throw new LabbookError(
      LabbookError.is(first) ? first.code : 'INTERNAL_ERROR',
      `[labbook] ${failures.length} metric batches failed to log; first: ${(first as Error)?.message ?? String(first)}`,
      { cause: new AggregateError(failures) },
    );
  }
}
